package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** C2SP tlog-cosignature/v1 lines made and checked as the specification lays them out. */
class CosignatureTest {

    private static final String CHECKPOINT = "example.com/behind-the-sofa\n20852163\n"
            + "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    @Test
    void a_cosignature_carries_its_key_id_and_time_and_signs_the_timestamped_message() {
        Cosignature.Cosigner witness = Cosignature.Cosigner.generate("witness.example.com/w1");
        String line = witness.cosign(CHECKPOINT, 1679315147L);
        assertThat(line).startsWith("\u2014 witness.example.com/w1 ");
        byte[] signed = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1));
        assertThat(signed).hasSize(76);
        ByteBuffer fields = ByteBuffer.wrap(signed);
        assertThat(fields.getInt()).isEqualTo(witness.key().keyId());
        assertThat(fields.getLong()).isEqualTo(1679315147L);
        // the key ID is SHA-256(name || 0x0A || 0x04 || key)[:4], the signature Ed25519 over the spec's message
        java.security.MessageDigest sha = MerkleTree.sha256();
        sha.update("witness.example.com/w1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) 0x04);
        sha.update(witness.key().publicKey());
        assertThat(ByteBuffer.wrap(sha.digest()).getInt()).isEqualTo(witness.key().keyId());
        byte[] message = ("cosignature/v1\ntime 1679315147\n" + CHECKPOINT).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(SignedNote.ed25519Verifies(witness.key().publicKey(), message,
                java.util.Arrays.copyOfRange(signed, 12, 76))).isTrue();

        Cosignature.WitnessKey key = Cosignature.WitnessKey.parse(witness.key().text());
        assertThat(key.verify(CHECKPOINT, line)).contains(1679315147L);
        assertThat(key.verify(CHECKPOINT.replace("20852163", "20852164"), line)).isEmpty();
        assertThat(Cosignature.Cosigner.parse(witness.text()).key()).usingRecursiveComparison().isEqualTo(witness.key());
    }

    @Test
    void a_line_of_another_witness_a_changed_time_or_a_log_key_is_refused() {
        Cosignature.Cosigner witness = Cosignature.Cosigner.generate("w1");
        Cosignature.Cosigner other = Cosignature.Cosigner.generate("w1");
        String line = witness.cosign(CHECKPOINT, 100);
        assertThat(other.key().verify(CHECKPOINT, line)).as("same name, other key").isEmpty();
        byte[] signed = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1));
        ByteBuffer.wrap(signed).putLong(4, 101);
        String retimed = "\u2014 w1 " + Base64.getEncoder().encodeToString(signed);
        assertThat(witness.key().verify(CHECKPOINT, retimed)).isEmpty();
        assertThat(witness.key().verify(CHECKPOINT, "\u2014 w1 !!")).isEmpty();
        String logKey = SignedNote.Signer.generate("w1").verifier().text();
        assertThatThrownBy(() -> Cosignature.WitnessKey.parse(logKey)).as("a note key (type 0x01) is no witness key")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
