"""Checks the generated mail's DKIM state against truth.json with dkimpy, an
independent DKIM implementation: every loose .eml marked "pass" verifies,
every one marked "fail" does not, every one marked "none" is unsigned.

Usage: python3 dkim_check.py CORPUS_DIR. Prints 'N passed, M failed'.
"""
import json
import sys
from pathlib import Path

import dkim

root = Path(sys.argv[1])
records = {}
for line in (root / "dkim-keys.txt").read_text().splitlines():
    name, record = line.split(" ", 1)
    records[name + "."] = record.encode()


def dns(name, timeout=5):
    return records.get(name.decode() if isinstance(name, bytes) else name, b"")


truth = json.loads((root / "truth.json").read_text())
passed = failed = 0
for doc in truth["documents"]:
    path = doc["path"]
    if doc["type"] != "email" or not path.startswith("mail/") or path.count("/") != 1:
        continue
    message = (root / "cache" / path).read_bytes()
    signed = message.startswith(b"DKIM-Signature:")
    ok = dkim.verify(message, dnsfunc=dns) if signed else None
    expected = {"pass": True, "fail": False, "none": None}[doc["dkim"]]
    if ok == expected:
        passed += 1
    else:
        failed += 1
        print(f"{path}: truth says {doc['dkim']}, dkimpy says {ok}", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
