package org.coverledger.eventstore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * C2SP tlog-cosignature/v1 with Ed25519: a witness's statement that, as of a time, the checkpoint
 * is the largest consistent tree head of the log it has seen. The signature line is
 * {@code — <witness name> base64(key ID || u64 timestamp || Ed25519 signature)}, where the key ID is
 * {@code SHA-256(name || 0x0A || 0x04 || public key)[:4]} and the signed message is the lines
 * {@code cosignature/v1} and {@code time <seconds>} followed by the checkpoint's text. Witness keys
 * are written as signed-note verifier keys of type 0x04.
 * <p>
 * No Java (or Debian-packaged Go) library implements cosignatures, so this follows the
 * specification; the Go verifier under ops/src/test/go is a second implementation of the check.
 */
public final class Cosignature {

    static final byte TYPE = 0x04;
    private static final String HEADER = "cosignature/v1\n";

    private Cosignature() {
    }

    /** The message a cosignature signs. */
    static byte[] message(String checkpointText, long time) {
        return (HEADER + "time " + time + "\n" + checkpointText).getBytes(StandardCharsets.UTF_8);
    }

    /** A witness's public key: its name, key ID and Ed25519 public key. */
    public record WitnessKey(String name, int keyId, byte[] publicKey) {

        /** Reads {@code <name>+<key ID hex>+<base64(0x04 || public key)>}. */
        public static WitnessKey parse(String vkey) {
            String[] parts = vkey.trim().split("\\+", 3);
            if (parts.length != 3 || !SignedNote.validName(parts[0]) || !parts[1].matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("not a witness key: <name>+<8 hex digits>+<base64 key>");
            }
            byte[] key = SignedNote.decode(parts[2]);
            if (key.length != 33 || key[0] != TYPE) {
                throw new IllegalArgumentException("not an Ed25519 cosignature/v1 key (type 0x04)");
            }
            byte[] publicKey = Arrays.copyOfRange(key, 1, 33);
            int keyId = SignedNote.keyId(parts[0], TYPE, publicKey);
            if (keyId != Integer.parseUnsignedInt(parts[1], 16)) {
                throw new IllegalArgumentException("the witness key's ID does not match its name and key");
            }
            return new WitnessKey(parts[0], keyId, publicKey);
        }

        public String text() {
            return name + "+" + String.format("%08x", keyId) + "+"
                    + Base64.getEncoder().encodeToString(SignedNote.concat(new byte[] {TYPE}, publicKey));
        }

        /** The cosignature's time (seconds) if {@code line} is this witness's valid cosignature of the checkpoint. */
        public Optional<Long> verify(String checkpointText, String line) {
            String prefix = SignedNote.SIGNATURE_LINE_PREFIX + name + " ";
            if (!line.startsWith(prefix)) {
                return Optional.empty();
            }
            byte[] signed;
            try {
                signed = Base64.getDecoder().decode(line.substring(prefix.length()));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (signed.length != 4 + 8 + 64) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.wrap(signed);
            int id = buffer.getInt();
            long time = buffer.getLong();
            if (id != keyId || time < 0) {
                return Optional.empty();
            }
            byte[] signature = Arrays.copyOfRange(signed, 12, 76);
            return SignedNote.ed25519Verifies(publicKey, message(checkpointText, time), signature)
                    ? Optional.of(time) : Optional.empty();
        }
    }

    /** A witness's signing key. */
    public static final class Cosigner {
        private final String name;
        private final PrivateKey privateKey;
        private final WitnessKey key;

        private Cosigner(String name, byte[] seed) {
            if (!SignedNote.validName(name)) {
                throw new IllegalArgumentException("a key name is non-empty and has no '+', space or newline");
            }
            try {
                this.privateKey = SignedNote.privateKey(seed);
                byte[] publicKey = SignedNote.publicKeyOf(seed);
                this.key = new WitnessKey(name, SignedNote.keyId(name, TYPE, publicKey), publicKey);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK cannot sign with Ed25519", e);
            }
            this.name = name;
        }

        public static Cosigner generate(String name) {
            byte[] seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            return new Cosigner(name, seed);
        }

        /** Reads {@code PRIVATE+KEY+<name>+<key ID hex>+<base64(0x04 || seed)>}. */
        public static Cosigner parse(String skey) {
            String[] parts = skey.trim().split("\\+", 5);
            if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")
                    || !parts[3].matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("not a witness signer key: PRIVATE+KEY+<name>+<8 hex>+<base64>");
            }
            byte[] key = SignedNote.decode(parts[4]);
            if (key.length != 33 || key[0] != TYPE) {
                throw new IllegalArgumentException("not an Ed25519 cosignature/v1 signer key (type 0x04)");
            }
            Cosigner cosigner = new Cosigner(parts[2], Arrays.copyOfRange(key, 1, 33));
            if (cosigner.key.keyId() != Integer.parseUnsignedInt(parts[3], 16)) {
                throw new IllegalArgumentException("the signer key's ID does not match its name and key");
            }
            return cosigner;
        }

        public WitnessKey key() {
            return key;
        }

        public String text() {
            return "PRIVATE+KEY+" + name + "+" + String.format("%08x", key.keyId()) + "+" + Base64.getEncoder()
                    .encodeToString(SignedNote.concat(new byte[] {TYPE}, SignedNote.seedOf(privateKey)));
        }

        /** The signature line cosigning the checkpoint's text at {@code time} (seconds since the epoch). */
        public String cosign(String checkpointText, long time) {
            if (time < 0) {
                throw new IllegalArgumentException("a cosignature's time is not negative");
            }
            byte[] signature = SignedNote.ed25519(privateKey, message(checkpointText, time));
            byte[] line = ByteBuffer.allocate(76).putInt(key.keyId()).putLong(time).put(signature).array();
            return SignedNote.SIGNATURE_LINE_PREFIX + name + " " + Base64.getEncoder().encodeToString(line);
        }
    }
}
