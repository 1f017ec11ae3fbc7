// auditcheck checks CoverLedger's audit checkpoints and proofs with the Go checksum database's own
// packages (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog), none of CoverLedger's
// code: AuditProofIT runs it, so that a proof the server gives is checked by a verifier it did not
// write. It reads one JSON request on standard input:
//
//	{"verifierKey": "...", "checkpoint": "<signed note>",
//	 "inclusion": {"leafIndex": 3, "entry": "<base64>", "proof": ["<base64>", ...]},
//	 "consistency": {"checkpoint": "<earlier signed note>", "proof": ["<base64>", ...]},
//	 "witnessKeys": ["<name>+<key ID>+<base64(0x04 || key)>", ...]}
//
// Each witness key must have a valid C2SP tlog-cosignature/v1 on the checkpoint. Go's packages do
// not implement cosignatures, so that check is written here from the specification with the
// standard library's Ed25519 (a second implementation, in another language, of the server's).
//
// and prints one line per check; exit status 0 when every check given holds, 1 otherwise.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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
	WitnessKeys []string `json:"witnessKeys"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

// open verifies the note's signature and reads the C2SP tlog-checkpoint it carries.
func open(verifier note.Verifier, signed string) (string, int64, tlog.Hash) {
	n := opened(verifier, signed)
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

func opened(verifier note.Verifier, signed string) *note.Note {
	n, err := note.Open([]byte(signed), note.VerifierList(verifier))
	if err != nil {
		fail("signature: %v", err)
	}
	return n
}

// cosigned checks the witness's cosignature/v1 among the note's other signatures; returns its time.
func cosigned(n *note.Note, vkey string) uint64 {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("witness key %q", vkey)
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		fail("witness key %q: not an Ed25519 cosignature/v1 key", vkey)
	}
	id := sha256.Sum256(append([]byte(parts[0]+"\n"), key...))
	wantID := binary.BigEndian.Uint32(id[:4])
	if fmt.Sprintf("%08x", wantID) != parts[1] {
		fail("witness key %q: key ID does not match", vkey)
	}
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != parts[0] || sig.Hash != wantID {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(raw) != 76 {
			fail("cosignature of %s: malformed", parts[0])
		}
		time := binary.BigEndian.Uint64(raw[4:12])
		var message bytes.Buffer
		fmt.Fprintf(&message, "cosignature/v1\ntime %d\n%s", time, n.Text)
		if !ed25519.Verify(ed25519.PublicKey(key[1:]), message.Bytes(), raw[12:]) {
			fail("cosignature of %s: does not verify", parts[0])
		}
		return time
	}
	fail("no cosignature of %s", parts[0])
	return 0
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
	for _, witness := range req.WitnessKeys {
		time := cosigned(opened(verifier, req.Checkpoint), witness)
		fmt.Printf("ok cosignature %s time %d\n", strings.SplitN(witness, "+", 2)[0], time)
	}
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
