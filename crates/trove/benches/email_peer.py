"""The peer for the ingest benchmark: Python's standard email package parsing
the same .eml and .mbox files that trove parses, as ingest would (headers,
text body, attachments). Usage: email_peer.py LIST_FILE. Prints one line:
seconds messages."""
import email
import email.policy
import mailbox
import sys
import time
from pathlib import Path

# One path per line in the file named by the argument (thousands of paths
# do not fit on a command line).
paths = [Path(p) for p in Path(sys.argv[1]).read_text().splitlines() if p]
start = time.perf_counter()
messages = 0
for path in paths:
    if path.suffix == ".mbox":
        raws = [m.as_bytes() for m in mailbox.mbox(str(path))]
    else:
        raws = [path.read_bytes()]
    for raw in raws:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        _ = (message["from"], message["to"], message["subject"], message["date"], message["message-id"])
        body = message.get_body(preferencelist=("plain", "html"))
        if body is not None:
            _ = body.get_content()
        for part in message.iter_attachments():
            _ = part.get_payload(decode=True)
        messages += 1
print(f"{time.perf_counter() - start:.6f} {messages}")
