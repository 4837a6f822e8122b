#!/usr/bin/env python3
"""A real-text overlap set and its brute-force truth.

Builds a submission and a published corpus from Debian's documentation
(debian-policy, developers-reference, maint-guide, debian-faq, doc-debian,
debian-reference-en: real text nobody at trove wrote, with real licence
boilerplate in every package's copyright file), then classes every
submission document by brute force under the definition of
docs/overlap.md, with no sketch, no sampling and no code shared with trove:

    realtext.py OUT [--root /]

writes OUT/submission/*.txt, OUT/published/*.txt and OUT/truth.json.

How the two sides come from the same sources, so that they overlap the way
real caches and real publications do:
  * long texts (the policy, the FAQ, the references, each rst chapter) are
    cut at paragraph breaks into documents of about 2.5 KB for the
    submission and about 4 KB for the publication, and each side keeps a
    different, hash-chosen subset: a submission document may sit inside a
    published one (partial), straddle two, or be in none (new);
  * the constitution's and the social contract's versions alternate
    between the sides whole: consecutive versions are near-duplicates;
  * copyright files are split between the sides, a few on both (exact),
    and carry the licence paragraphs that recur across packages
    (boilerplate).
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import re
import sys
import unicodedata
from pathlib import Path

# docs/overlap.md's definitions.
SHINGLE = 5
NEAR = 0.8
PARTIAL_SHARE = 0.20
MIN_PASSAGE_WORDS = 20
PASSAGE_SHINGLES = MIN_PASSAGE_WORDS - SHINGLE + 1
BOILERPLATE_SHARE = 0.01
BOILERPLATE_DOCUMENTS = 20

LONG_TEXTS = [
    "usr/share/doc/debian-policy/policy.txt.gz",
    "usr/share/doc/debian-policy/upgrading-checklist.txt.gz",
    "usr/share/doc/debian-policy/copyright-format-1.0.txt.gz",
    "usr/share/doc/debian-policy/debconf_specification.txt.gz",
    "usr/share/doc/debian-policy/perl-policy.txt.gz",
    "usr/share/doc/debian-policy/menu-policy.txt.gz",
    "usr/share/doc/debian-policy/fhs/fhs-3.0.txt.gz",
    "usr/share/doc/debian/FAQ/debian-faq.en.txt.gz",
    "usr/share/debian-reference/debian-reference.en.txt.gz",
    "usr/share/developers-reference/developers-reference.txt.gz",
    "usr/share/doc/maint-guide/maint-guide.en.txt.gz",
    "usr/share/doc/debian/mailing-lists.txt.gz",
    "usr/share/doc/debian/bug-reporting.txt.gz",
    "usr/share/doc/debian/bug-maint-info.txt.gz",
    "usr/share/doc/debian/bug-maint-mailcontrol.txt.gz",
    "usr/share/doc/debian/bug-log-mailserver.txt.gz",
]
VERSIONED = [
    ["usr/share/doc/debian/constitution.1.%d.txt.gz" % v for v in range(0, 9)]
    + ["usr/share/doc/debian/constitution.txt.gz"],
    [
        "usr/share/doc/debian/social-contract.1.0.txt.gz",
        "usr/share/doc/debian/social-contract.1.1.txt.gz",
        "usr/share/doc/debian/social-contract.txt.gz",
    ],
]
PACKAGES = [
    "debian-policy",
    "developers-reference",
    "maint-guide",
    "debian-faq",
    "doc-debian",
    "debian-reference-en",
]


def read(path):
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def pick(name, modulus):
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % modulus


def chunks(text, target):
    """Paragraph-aligned pieces of about `target` bytes."""
    out, current = [], []
    size = 0
    for paragraph in re.split(r"\n\s*\n", text):
        if not paragraph.strip():
            continue
        current.append(paragraph)
        size += len(paragraph.encode()) + 2
        if size >= target:
            out.append("\n\n".join(current) + "\n")
            current, size = [], 0
    if current:
        out.append("\n\n".join(current) + "\n")
    return out


def build(root, out):
    submission, published = {}, {}
    for relative in LONG_TEXTS:
        path = root / relative
        if not path.exists():
            sys.exit(f"{path} is missing: install {' '.join(PACKAGES)} (scripts/test does)")
        stem = path.name.split(".")[0]
        text = read(path)
        for i, piece in enumerate(chunks(text, 2500)):
            name = f"{stem}-s{i:03}.txt"
            if pick(name, 4) == 0:
                submission[name] = piece
        for i, piece in enumerate(chunks(text, 4000)):
            name = f"{stem}-p{i:03}.txt"
            if pick(name, 3) == 0:
                published[name] = piece
    for versions in VERSIONED:
        for i, relative in enumerate(versions):
            path = root / relative
            name = path.name.removesuffix(".gz")
            (submission if i % 2 else published)[name] = read(path)
    # Every package's copyright file on the machine: real licence text.
    doc = root / "usr/share/doc"
    for path in sorted(doc.glob("*/copyright")):
        name = f"copyright-{path.parent.name}.txt"
        try:
            text = read(path)
        except OSError:
            continue
        side = pick(name, 16)
        if side in (0, 1, 2):
            published[name] = text
        if side in (0, 3, 4, 5, 6):
            submission[name] = text
    for folder, docs in (("submission", submission), ("published", published)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for name, text in docs.items():
            (out / folder / name).write_text(text, encoding="utf-8")
    return submission, published


def words(text):
    return [w.lower() for w in re.findall(r"[^\W_]+", text)]


def shingles(ws):
    return [tuple(ws[i : i + SHINGLE]) for i in range(len(ws) - SHINGLE + 1)]


def normalized(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def threshold(documents):
    return max(BOILERPLATE_DOCUMENTS, math.ceil(BOILERPLATE_SHARE * documents), 1)


def truth(submission, published):
    pub = {name: shingles(words(text)) for name, text in published.items()}
    pub_sets = {name: set(s) for name, s in pub.items()}
    pub_bytes = {text.encode() for text in published.values()}
    pub_norm = {normalized(text) for text in published.values() if normalized(text)}
    # Boilerplate: document frequency within each side.
    boiler = set()
    df = {}
    for s in pub_sets.values():
        for g in s:
            df[g] = df.get(g, 0) + 1
    boiler |= {g for g, n in df.items() if n >= threshold(len(pub_sets))}
    df = {}
    seen = set()
    for text in submission.values():
        if text in seen:
            continue
        seen.add(text)
        for g in set(shingles(words(text))):
            df[g] = df.get(g, 0) + 1
    boiler |= {g for g, n in df.items() if n >= threshold(len(seen))}
    # Which published documents hold each shingle.
    holders = {}
    for name, s in pub_sets.items():
        for g in s:
            holders.setdefault(g, []).append(name)
    documents = []
    for name, text in sorted(submission.items()):
        ws = words(text)
        sh = shingles(ws)
        own = set(sh)
        entry = {"path": name, "words": len(ws), "class": "new", "covered_words": 0, "containment": 0.0}
        if text.encode() in pub_bytes or (normalized(text) and normalized(text) in pub_norm):
            entry.update({"class": "exact", "covered_words": len(ws), "containment": 1.0})
            documents.append(entry)
            continue
        common = {}
        for g in own:
            for p in holders.get(g, ()):
                common[p] = common.get(p, 0) + 1
        best_j = max((c / (len(own) + len(pub_sets[p]) - c) for p, c in common.items()), default=0.0)
        if own and best_j >= NEAR:
            entry.update({"class": "near", "covered_words": len(ws), "containment": 1.0, "jaccard": best_j})
            documents.append(entry)
            continue
        covered = set()
        largest = 0.0
        for p, c in common.items():
            ps = pub_sets[p]
            if c < PASSAGE_SHINGLES:
                continue
            runs, start = [], None
            for i in range(len(sh) + 1):
                shared = i < len(sh) and sh[i] in ps
                if shared and start is None:
                    start = i
                elif not shared and start is not None:
                    if i - start >= PASSAGE_SHINGLES:
                        runs.append((start, i))
                    start = None
            counted = [
                (a, b) for a, b in runs if sum(1 for i in range(a, b) if sh[i] not in boiler) >= PASSAGE_SHINGLES
            ]
            if not counted:
                continue
            words_covered = sum(b - a + SHINGLE - 1 for a, b in counted)
            largest = max(largest, words_covered / max(len(ws), 1))
            for a, b in counted:
                covered.update(range(a, b + SHINGLE - 1))
        entry["containment"] = largest
        if largest >= PARTIAL_SHARE:
            entry.update({"class": "partial", "covered_words": len(covered)})
        documents.append(entry)
    total_words = sum(d["words"] for d in documents)
    count = len(documents)
    by_class = {c: sum(1 for d in documents if d["class"] == c) for c in ("exact", "near", "partial", "new")}
    return {
        "definition": {
            "shingle_words": SHINGLE,
            "near": NEAR,
            "partial_share": PARTIAL_SHARE,
            "min_passage_words": MIN_PASSAGE_WORDS,
            "boilerplate_share": BOILERPLATE_SHARE,
            "boilerplate_documents": BOILERPLATE_DOCUMENTS,
        },
        "documents": documents,
        "published_documents": len(published),
        "by_class": by_class,
        "novel_share_count": by_class["new"] / max(count, 1),
        "novel_share_words": 1 - sum(d["covered_words"] for d in documents) / max(total_words, 1),
        # What counting any shared passage as publication would say.
        "any_passage_share_count": sum(1 for d in documents if d["class"] == "new" and d["containment"] == 0.0)
        / max(count, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--root", type=Path, default=Path("/"))
    args = parser.parse_args()
    submission, published = build(args.root, args.out)
    result = truth(submission, published)
    (args.out / "truth.json").write_text(json.dumps(result, indent=1) + "\n")
    summary = {k: v for k, v in result.items() if k != "documents"}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
