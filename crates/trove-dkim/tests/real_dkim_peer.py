"""dkimpy's verdict on each DKIM-Signature of a message, with the keys of
a trove key file instead of DNS: prints one line a signature, "pass" or
"fail: reason". Usage: real_dkim_peer.py KEYS_FILE MESSAGE."""
import sys

import dkim

keys = {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, record = line.rstrip("\n").split(" ", 1)
    keys[name.lower() + "."] = record.encode()


def dns(name, timeout=5):
    return keys.get((name.decode() if isinstance(name, bytes) else name).lower())


message = open(sys.argv[2], "rb").read()
checker = dkim.DKIM(message)
count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
for index in range(count):
    try:
        print("pass" if checker.verify(idx=index, dnsfunc=dns) else "fail: signature")
    except dkim.ValidationError as error:
        print(f"fail: {error}")
