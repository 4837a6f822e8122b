// tlogcheck verifies a trove log folder with Go's golang.org/x/mod/sumdb
// packages alone, the reference implementation of signed notes and tiled
// Merkle logs: no trove code is involved.
//
// Usage: tlogcheck LOG_DIR LOG_VKEY
//
// It opens the checkpoint with note.Open, recomputes the tree hash from the
// C2SP tiles through tlog.TileHashReader, checks the inclusion of every
// 61st entry and the last with tlog.ProveRecord and tlog.CheckRecord, and
// opens every entry
// as a note signed by a key of the log's signed key list.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

type tileReader struct {
	dir   string
	saved map[tlog.Tile][]byte
}

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if data, ok := r.saved[t]; ok {
			out[i] = data
			continue
		}
		// Go names tiles tile/8/L/N; C2SP tlog-tiles drops the height.
		path := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		data, err := os.ReadFile(filepath.Join(r.dir, path))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

// SaveTiles keeps the tiles that tlog has verified against the tree hash.
func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for i, t := range tiles {
		r.saved[t] = data[i]
	}
}

func bundle(dir string, index, size int64) [][]byte {
	width := size - index*256
	if width > 256 {
		width = 256
	}
	t := tlog.Tile{H: 8, L: 0, N: index, W: int(width)}
	path := strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
	data, err := os.ReadFile(filepath.Join(dir, path))
	if err != nil {
		fail("%v", err)
	}
	var entries [][]byte
	for len(data) > 0 {
		n := int(binary.BigEndian.Uint16(data))
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	if int64(len(entries)) != width {
		fail("bundle %s holds %d entries, not %d", path, len(entries), width)
	}
	return entries
}

func main() {
	dir, vkeyFile := os.Args[1], os.Args[2]
	vkey, err := os.ReadFile(vkeyFile)
	if err != nil {
		fail("%v", err)
	}
	logVerifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("log vkey: %v", err)
	}
	logKeys := note.VerifierList(logVerifier)

	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	checkpoint, err := note.Open(raw, logKeys)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(checkpoint.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("tree size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != 32 {
		fail("root hash %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	hashes := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tileReader{dir, map[tlog.Tile][]byte{}})
	got, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("tree hash: %v", err)
	}
	if got != root {
		fail("the tiles give root %v, the checkpoint says %v", got, root)
	}

	rawKeys, err := os.ReadFile(filepath.Join(dir, "keys"))
	if err != nil {
		fail("%v", err)
	}
	keyList, err := note.Open(rawKeys, logKeys)
	if err != nil {
		fail("key list: %v", err)
	}
	var statementVerifiers []note.Verifier
	for _, line := range strings.Split(strings.TrimSpace(keyList.Text), "\n")[1:] {
		v, err := note.NewVerifier(line)
		if err != nil {
			fail("key list entry %q: %v", line, err)
		}
		statementVerifiers = append(statementVerifiers, v)
	}
	statementKeys := note.VerifierList(statementVerifiers...)

	for b := int64(0); b*256 < size; b++ {
		for offset, entry := range bundle(dir, b, size) {
			index := b*256 + int64(offset)
			if _, err := note.Open(entry, statementKeys); err != nil {
				fail("entry %d: %v", index, err)
			}
			// Every entry counts in the tree hash above; proving a spread
			// of them keeps the check fast (TileHashReader re-authenticates
			// tiles on every read).
			if index%61 != 0 && index != size-1 {
				continue
			}
			proof, err := tlog.ProveRecord(size, index, hashes)
			if err != nil {
				fail("proof of entry %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
				fail("entry %d: %v", index, err)
			}
		}
	}
	fmt.Printf("go sumdb: %s verified, %d entries\n", checkpoint.Text[:len(lines[0])], size)
}
