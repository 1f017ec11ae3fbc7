package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import com.google.crypto.tink.subtle.Ed25519Verify;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.eventstore.SignedNote.Signer;
import org.coverledger.eventstore.SignedNote.Verifier;
import org.junit.jupiter.api.Test;

/**
 * Signed notes and checkpoints, against values written by {@code golang.org/x/mod/sumdb/note}
 * 0.7.0 (Debian's golang-golang-x-mod-dev): its {@code GenerateKey} made the key pair below, and
 * its {@code Sign} signed the checkpoint; Ed25519 is deterministic, so our note must be the same
 * bytes. Signatures are also checked with Tink's Ed25519 (not the JDK's, which signs).
 */
class SignedNoteTest {

    static final String GO_SIGNER = "PRIVATE+KEY+coverledger.local/audit+be67bbfb+AWVafCXTH1FS5vNUq5R3J7Mkz4GERBHpzoxGI8tz8zGi";
    static final String GO_VERIFIER = "coverledger.local/audit+be67bbfb+ASyy1BWKd/DF+qoV/dOfNqioFSjwWhttdPrIkVMW6W63";
    static final String GO_NOTE = "coverledger.local/audit\n7\nWmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg=\n\n"
            + "\u2014 coverledger.local/audit vme7+yYkW+BwiPSmsOAoB0yeEGZOyO2p1Bn4WAUZHXhT3ateAFwkhPodXGfO3CF6TWUXBQ6enjDXSDctK0a3unc2Egs=\n";

    @Test
    void a_checkpoint_signed_here_is_byte_for_byte_the_one_gos_note_package_signs() throws Exception {
        Signer signer = Signer.parse(GO_SIGNER);
        assertThat(signer.verifier().text()).isEqualTo(GO_VERIFIER);
        assertThat(signer.text()).isEqualTo(GO_SIGNER);
        Checkpoint checkpoint = new Checkpoint("coverledger.local/audit", 7,
                Base64.getDecoder().decode("WmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg="), List.of());
        String note = signer.sign(checkpoint.text());
        assertThat(note).isEqualTo(GO_NOTE);

        Verifier verifier = Verifier.parse(GO_VERIFIER);
        assertThat(SignedNote.open(GO_NOTE, verifier)).contains(checkpoint.text());
        Checkpoint read = Checkpoint.parse(SignedNote.open(GO_NOTE, verifier).orElseThrow()).orElseThrow();
        assertThat(read.size()).isEqualTo(7);
        assertThat(read.root()).isEqualTo(checkpoint.root());

        byte[] signature = Base64.getDecoder().decode(SignedNote.split(note).orElseThrow().signatures().get(0)
                .substring("\u2014 coverledger.local/audit ".length()));
        new Ed25519Verify(verifier.publicKey()).verify(java.util.Arrays.copyOfRange(signature, 4, 68),
                checkpoint.text().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_changed_note_another_key_or_a_malformed_one_does_not_open() {
        Verifier verifier = Verifier.parse(GO_VERIFIER);
        assertThat(SignedNote.open(GO_NOTE.replace("\n7\n", "\n8\n"), verifier)).isEmpty();
        assertThat(SignedNote.open(GO_NOTE.replace("vme7", "vmf7"), verifier)).isEmpty();
        assertThat(SignedNote.open(GO_NOTE, Signer.generate("coverledger.local/audit").verifier())).isEmpty();
        assertThat(SignedNote.open(GO_NOTE.replace("\n\n", "\n"), verifier)).isEmpty();
        assertThat(SignedNote.open("", verifier)).isEmpty();
        assertThat(SignedNote.open("x\n\n", verifier)).as("a blank line and no signature").isEmpty();
        assertThat(SignedNote.open(GO_NOTE + "\n", verifier)).isEmpty();
        assertThat(Checkpoint.parse("origin\n9999999999999999999\nWmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg=\n")).isEmpty();
        assertThatThrownBy(() -> Signer.generate("non\u00a0breaking")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Checkpoint.parse("origin\n-1\nWmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg=\n")).isEmpty();
        assertThat(Checkpoint.parse("origin\n1\nshort\n")).isEmpty();
        assertThat(Checkpoint.parse("origin\n1\n")).isEmpty();
        assertThatThrownBy(() -> Verifier.parse("coverledger.local/audit+be67bbfc+ASyy1BWKd/DF+qoV/dOfNqioFSjwWhttdPrIkVMW6W63"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signer.parse("PRIVATE+KEY+x+00000000+AWVafCXTH1FS5vNUq5R3J7Mkz4GERBHpzoxGI8tz8zGi"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signer.generate("two words")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_generated_key_signs_what_its_verifier_opens() {
        Signer signer = Signer.generate("example.org/log");
        String note = signer.sign("example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
        assertThat(SignedNote.open(note, Verifier.parse(signer.verifier().text()))).isPresent();
        assertThat(Signer.parse(signer.text()).verifier().text()).isEqualTo(signer.verifier().text());
    }
}
