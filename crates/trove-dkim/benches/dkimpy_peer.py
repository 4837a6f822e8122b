"""The peer for the DKIM benchmark: dkimpy verifying the same messages with
the same keys. Usage: dkimpy_peer.py KEYS_FILE LIST_FILE. Reads every message
first, then times the verification only. Prints the seconds and the count
on the first line, then one verdict per message (1 pass, 0 not)."""
import sys
import time
from pathlib import Path

import dkim

records = {}
for line in Path(sys.argv[1]).read_text().splitlines():
    name, record = line.split(" ", 1)
    records[name + "."] = record.encode()


def dns(name, timeout=5):
    return records.get(name.decode() if isinstance(name, bytes) else name, b"")


messages = [Path(p).read_bytes() for p in Path(sys.argv[2]).read_text().splitlines() if p]
start = time.perf_counter()
verdicts = [dkim.verify(m, dnsfunc=dns) for m in messages]
elapsed = time.perf_counter() - start
print(f"{elapsed:.6f} {len(messages)}")
for verdict in verdicts:
    print(1 if verdict else 0)
