// auditcheck checks CoverLedger's audit checkpoints and proofs with the Go checksum database's own
// packages (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), none of CoverLedger's
// code: AuditProofIT runs it, so that a proof the server gives is checked by a verifier it did not
// write. It reads one JSON request on standard input:
//
//	{"verifierKey": "...", "checkpoint": "<signed note>",
//	 "inclusion": {"leafIndex": 3, "entry": "<base64>", "proof": ["<base64>", ...]},
//	 "consistency": {"checkpoint": "<earlier signed note>", "proof": ["<base64>", ...]}}
//
// and prints one line per check; exit status 0 when every check given holds, 1 otherwise.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	VerifierKey string `json:"verifierKey"`
	Checkpoint  string `json:"checkpoint"`
	Inclusion   *struct {
		LeafIndex int64    `json:"leafIndex"`
		Entry     string   `json:"entry"`
		Proof     []string `json:"proof"`
	} `json:"inclusion"`
	Consistency *struct {
		Checkpoint string   `json:"checkpoint"`
		Proof      []string `json:"proof"`
	} `json:"consistency"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

// open verifies the note's signature and reads the C2SP tlog-checkpoint it carries.
func open(verifier note.Verifier, signed string) (string, int64, tlog.Hash) {
	n, err := note.Open([]byte(signed), note.VerifierList(verifier))
	if err != nil {
		fail("signature: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint: %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	return lines[0], size, root
}

func hashes(encoded []string) []tlog.Hash {
	out := make([]tlog.Hash, len(encoded))
	for i, e := range encoded {
		h, err := tlog.ParseHash(e)
		if err != nil {
			fail("proof hash %d: %v", i, err)
		}
		out[i] = h
	}
	return out
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail("request: %v", err)
	}
	verifier, err := note.NewVerifier(req.VerifierKey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	origin, size, root := open(verifier, req.Checkpoint)
	fmt.Printf("ok signature %s size %d root %s\n", origin, size, root)
	if req.Inclusion != nil {
		entry, err := base64.StdEncoding.DecodeString(req.Inclusion.Entry)
		if err != nil {
			fail("entry: %v", err)
		}
		if err := tlog.CheckRecord(hashes(req.Inclusion.Proof), size, root, req.Inclusion.LeafIndex, tlog.RecordHash(entry)); err != nil {
			fail("inclusion of leaf %d: %v", req.Inclusion.LeafIndex, err)
		}
		fmt.Printf("ok inclusion leaf %d in %d\n", req.Inclusion.LeafIndex, size)
	}
	if req.Consistency != nil {
		_, oldSize, oldRoot := open(verifier, req.Consistency.Checkpoint)
		if err := tlog.CheckTree(hashes(req.Consistency.Proof), size, root, oldSize, oldRoot); err != nil {
			fail("consistency of %d with %d: %v", oldSize, size, err)
		}
		fmt.Printf("ok consistency %d in %d\n", oldSize, size)
	}
}
