"""The peers for the overlap benchmark: datasketch's MinHashLSH and rensa's
RMinHashLSH (both PyPI) on the same documents as trove. Usage:
lsh_peer.py LIBRARY DOCS_FILE QUERIES_FILE, LIBRARY being datasketch or
rensa; the files hold one document a line, its words separated by spaces.
Shingles are the same word 5-shingles as trove's; as for trove, the timed
work starts from the text (shingling included). Prints the index and query
seconds, then for each query the ids (line numbers) of the candidates the
LSH returns, space separated."""
import sys
import time


def shingles(line):
    words = line.split()
    return [" ".join(words[i:i + 5]) for i in range(len(words) - 4)]


library, docs_file, queries_file = sys.argv[1:4]
docs = open(docs_file, encoding="utf-8").read().splitlines()
queries = open(queries_file, encoding="utf-8").read().splitlines()

if library == "datasketch":
    from datasketch import MinHash, MinHashLSH

    def signature(line):
        m = MinHash(num_perm=128)
        for item in shingles(line):
            m.update(item.encode())
        return m

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for i, items in enumerate(docs):
        lsh.insert(i, signature(items))
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    results = [lsh.query(signature(items)) for items in queries]
    queried = time.perf_counter() - start
else:
    from rensa import RMinHash, RMinHashLSH

    def signature(line):
        m = RMinHash(num_perm=128, seed=42)
        m.update(shingles(line))
        return m

    start = time.perf_counter()
    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    for i, items in enumerate(docs):
        lsh.insert(i, signature(items))
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    results = [lsh.query(signature(items)) for items in queries]
    queried = time.perf_counter() - start

print(f"{indexed:.6f} {queried:.6f}")
for found in results:
    print(" ".join(str(i) for i in sorted(found)))
