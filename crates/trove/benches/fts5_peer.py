"""The peer of the search benchmark: SQLite FTS5 (Python's sqlite3) over the
same texts, answering the same queries, top 20 by rank.

Usage: fts5_peer.py TEXTS.jsonl CASES.json DB. Prints JSON: build_s,
p50_ms, p99_ms, hits, by_kind (p50 per kind of query)."""

import json
import sqlite3
import statistics
import sys
import time

texts, cases_file, db = sys.argv[1:4]
connection = sqlite3.connect(db)
built = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'dates_by_date'").fetchone()[0]
if not built:  # a database kept from an earlier run (TROVE_BENCH_KEEP) is reused
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, sender)")
    connection.execute("CREATE TABLE dates (id TEXT, date INTEGER)")
start = time.perf_counter()
with open(texts if not built else "/dev/null") as lines:
    batch, dated = [], []
    for line in lines:
        doc = json.loads(line)
        batch.append((doc["id"], doc["text"], doc["sender"]))
        if doc["date"] is not None:
            dated.append((doc["id"], doc["date"]))
        if len(batch) == 5000:
            connection.executemany("INSERT INTO docs VALUES (?, ?, ?)", batch)
            batch = []
    connection.executemany("INSERT INTO docs VALUES (?, ?, ?)", batch)
    connection.executemany("INSERT INTO dates VALUES (?, ?)", dated)
connection.execute("CREATE INDEX IF NOT EXISTS dates_by_date ON dates (date)")
connection.commit()
build = time.perf_counter() - start

cases = json.load(open(cases_file))


def run(case):
    if case["range"] is not None:
        low, high = case["range"]
        return connection.execute(
            "SELECT id FROM dates WHERE date >= ? AND date < ? LIMIT 20", (low, high)
        ).fetchall()
    return connection.execute(
        "SELECT id FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20", (case["fts"],)
    ).fetchall()


for case in cases:  # warm-up, as on trove's side
    run(case)
latencies, hits, by_kind = [], 0, {}
for case in cases:
    start = time.perf_counter()
    hits += len(run(case))
    elapsed = (time.perf_counter() - start) * 1e3
    latencies.append(elapsed)
    by_kind.setdefault(case["kind"], []).append(elapsed)
latencies.sort()


def percentile(values, p):
    return values[round((len(values) - 1) * p)]


print(
    json.dumps(
        {
            "build_s": build,
            "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99),
            "hits": hits,
            "by_kind": {k: statistics.median(v) for k, v in by_kind.items()},
        }
    )
)
