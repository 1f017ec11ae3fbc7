package org.coverledger.eventstore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import com.google.crypto.tink.subtle.Ed25519Sign;

/**
 * Signed notes (C2SP signed-note, the format of the Go checksum database and of transparency-log
 * checkpoints) with Ed25519 keys, and the C2SP tlog-checkpoint they carry.
 * <p>
 * A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
 * {@code — <key name> <base64(key ID || signature)>}, where the key ID is the first four bytes of
 * {@code SHA-256(key name || 0x0A || 0x01 || public key)} and the signature is Ed25519 over the text.
 * Keys are written as that ecosystem writes them: the verifier key
 * {@code <name>+<key ID hex>+<base64(0x01 || public key)>}, the signer key
 * {@code PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || 32-byte seed)>}, so that
 * {@code golang.org/x/mod/sumdb/note} reads and writes both. Signing uses the JDK's Ed25519 (JCA);
 * the public key of a seed is derived with Tink, which the JDK does not offer.
 */
public final class SignedNote {

    private static final byte ED25519 = 0x01;
    private static final int MAX_SIGNATURES = 100;
    private static final String SIGNATURE_PREFIX = "\u2014 ";
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SignedNote() {
    }

    /** A C2SP tlog-checkpoint: the log's origin, its tree size and root hash, and any extension lines. */
    public record Checkpoint(String origin, long size, byte[] root, List<String> extensions) {

        /** The checkpoint's text: {@code origin\nsize\nbase64(root)\n}, then the extension lines. */
        public String text() {
            StringBuilder text = new StringBuilder(origin).append('\n').append(size).append('\n')
                    .append(Base64.getEncoder().encodeToString(root)).append('\n');
            extensions.forEach(line -> text.append(line).append('\n'));
            return text.toString();
        }

        /** Reads a checkpoint's text; empty if it is not one. */
        public static Optional<Checkpoint> parse(String text) {
            if (!text.endsWith("\n")) {
                return Optional.empty();
            }
            String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
            if (lines.length < 3 || lines[0].isEmpty() || !lines[1].matches("0|[1-9][0-9]{0,17}")) {
                return Optional.empty();
            }
            byte[] root;
            try {
                root = Base64.getDecoder().decode(lines[2]);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            List<String> extensions = List.of(Arrays.copyOfRange(lines, 3, lines.length));
            if (root.length != 32 || extensions.stream().anyMatch(String::isEmpty)) {
                return Optional.empty();
            }
            return Optional.of(new Checkpoint(lines[0], Long.parseLong(lines[1]), root, extensions));
        }
    }

    /** A key that checks signatures: its name, key ID and Ed25519 public key. */
    public record Verifier(String name, int keyId, byte[] publicKey) {

        /** Reads {@code <name>+<key ID hex>+<base64(0x01 || public key)>}. */
        public static Verifier parse(String vkey) {
            String[] parts = vkey.trim().split("\\+", 3); // base64 has '+' too
            if (parts.length != 3 || !validName(parts[0]) || !parts[1].matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("not a verifier key: <name>+<8 hex digits>+<base64 key>");
            }
            byte[] key = decode(parts[2]);
            if (key.length != 33 || key[0] != ED25519) {
                throw new IllegalArgumentException("not an Ed25519 verifier key");
            }
            byte[] publicKey = Arrays.copyOfRange(key, 1, 33);
            int keyId = SignedNote.keyId(parts[0], publicKey);
            if (keyId != Integer.parseUnsignedInt(parts[1], 16)) {
                throw new IllegalArgumentException("the verifier key's ID does not match its name and key");
            }
            return new Verifier(parts[0], keyId, publicKey);
        }

        /** The key as {@code <name>+<key ID hex>+<base64(0x01 || public key)>}. */
        public String text() {
            return name + "+" + String.format("%08x", keyId) + "+" + Base64.getEncoder().encodeToString(withType(publicKey));
        }

        /** Whether {@code signature} is this key's Ed25519 signature of {@code message}. */
        public boolean verifies(byte[] message, byte[] signature) {
            return ed25519Verifies(publicKey, message, signature);
        }
    }

    /** A key that signs: its name and Ed25519 key pair. */
    public static final class Signer {
        private final String name;
        private final PrivateKey privateKey;
        private final Verifier verifier;

        private Signer(String name, byte[] seed) {
            if (!validName(name)) {
                throw new IllegalArgumentException("a key name is non-empty and has no '+', space or newline");
            }
            try {
                this.privateKey = SignedNote.privateKey(seed);
                byte[] publicKey = publicKeyOf(seed);
                this.verifier = new Verifier(name, keyId(name, publicKey), publicKey);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK cannot sign with Ed25519", e);
            }
            this.name = name;
        }

        /** Reads {@code PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || seed)>}. */
        public static Signer parse(String skey) {
            String[] parts = skey.trim().split("\\+", 5);
            if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")
                    || !parts[3].matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("not a signer key: PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>");
            }
            byte[] key = decode(parts[4]);
            if (key.length != 33 || key[0] != ED25519) {
                throw new IllegalArgumentException("not an Ed25519 signer key");
            }
            Signer signer = new Signer(parts[2], Arrays.copyOfRange(key, 1, 33));
            if (signer.verifier.keyId() != Integer.parseUnsignedInt(parts[3], 16)) {
                throw new IllegalArgumentException("the signer key's ID does not match its name and key");
            }
            return signer;
        }

        /** A new random key of that name. */
        public static Signer generate(String name) {
            byte[] seed = new byte[32];
            new SecureRandom().nextBytes(seed);
            return new Signer(name, seed);
        }

        public String name() {
            return name;
        }

        public Verifier verifier() {
            return verifier;
        }

        /** The signer key in the form {@link #parse} reads (a secret). */
        public String text() {
            byte[] seed = seedOf(privateKey);
            return "PRIVATE+KEY+" + name + "+" + String.format("%08x", verifier.keyId()) + "+"
                    + Base64.getEncoder().encodeToString(withType(seed));
        }

        /** The note: {@code text} (ending in a newline), a blank line and this key's signature line. */
        public String sign(String text) {
            if (!text.endsWith("\n") || text.contains("\n\n") || text.isEmpty()
                    || text.codePoints().anyMatch(c -> c != '\n' && Character.isISOControl(c))) {
                throw new IllegalArgumentException("a note's text ends in a newline and has no blank line or control "
                        + "character");
            }
            byte[] signed = ed25519(privateKey, text.getBytes(StandardCharsets.UTF_8));
            byte[] line = ByteBuffer.allocate(4 + signed.length).putInt(verifier.keyId()).put(signed).array();
            return text + "\n" + SIGNATURE_PREFIX + name + " " + Base64.getEncoder().encodeToString(line) + "\n";
        }
    }

    /** A note split into its text and signature lines. */
    public record Note(String text, List<String> signatures) {
    }

    /** Splits a note at its last blank line; empty if it is not a note. */
    public static Optional<Note> split(String note) {
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n") || split + 2 >= note.length()) {
            return Optional.empty(); // no signature lines after the blank line
        }
        String text = note.substring(0, split + 1);
        List<String> signatures = new ArrayList<>();
        for (String line : note.substring(split + 2, note.length() - 1).split("\n", -1)) {
            if (!line.startsWith(SIGNATURE_PREFIX) || signatures.size() == MAX_SIGNATURES) {
                return Optional.empty(); // as Go's note package, at most 100 signatures
            }
            signatures.add(line);
        }
        return Optional.of(new Note(text, signatures));
    }

    /** The note's text if {@code verifier} signed it; empty if it did not, or this is no note. */
    public static Optional<String> open(String note, Verifier verifier) {
        Optional<Note> split = split(note);
        if (split.isEmpty()) {
            return Optional.empty();
        }
        byte[] message = split.get().text().getBytes(StandardCharsets.UTF_8);
        for (String line : split.get().signatures()) {
            String[] parts = line.substring(SIGNATURE_PREFIX.length()).split(" ", -1);
            if (parts.length != 2 || !parts[0].equals(verifier.name())) {
                continue;
            }
            byte[] signed;
            try {
                signed = Base64.getDecoder().decode(parts[1]);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (signed.length == 68 && ByteBuffer.wrap(signed).getInt() == verifier.keyId()
                    && verifier.verifies(message, Arrays.copyOfRange(signed, 4, 68))) {
                return Optional.of(split.get().text());
            }
        }
        return Optional.empty();
    }

    static int keyId(String name, byte[] publicKey) {
        return keyId(name, ED25519, publicKey);
    }

    /** {@code SHA-256(name || 0x0A || type || public key)[:4]}, the key ID of signed notes and cosignatures. */
    static int keyId(String name, byte type, byte[] publicKey) {
        MessageDigest sha = MerkleTree.sha256();
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(concat(new byte[] {type}, publicKey));
        return ByteBuffer.wrap(sha.digest()).getInt();
    }

    /** The Ed25519 private key of a 32-byte seed (JCA). */
    static PrivateKey privateKey(byte[] seed) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, seed)));
    }

    /** The seed of a private key made by {@link #privateKey}. */
    static byte[] seedOf(PrivateKey key) {
        byte[] pkcs8 = key.getEncoded();
        return Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    }

    /** The Ed25519 public key of a seed (Tink: the JDK does not derive it). */
    static byte[] publicKeyOf(byte[] seed) throws GeneralSecurityException {
        return Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey();
    }

    static byte[] ed25519(PrivateKey key, byte[] message) {
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key);
            signature.update(message);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not sign", e);
        }
    }

    static boolean ed25519Verifies(byte[] publicKey, byte[] message, byte[] signature) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(
                    new X509EncodedKeySpec(concat(X509_PREFIX, publicKey)));
            Signature check = Signature.getInstance("Ed25519");
            check.initVerify(key);
            check.update(message);
            return check.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static final String SIGNATURE_LINE_PREFIX = SIGNATURE_PREFIX;

    static boolean validName(String name) {
        // as Go's note package: no '+', no Unicode space (unicode.IsSpace), no control character
        return !name.isEmpty() && name.codePoints().noneMatch(c -> c == '+' || Character.isWhitespace(c)
                || Character.isSpaceChar(c) || c == 0x85 || Character.isISOControl(c));
    }

    private static byte[] withType(byte[] key) {
        return concat(new byte[] {ED25519}, key);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key is not base64");
        }
    }
}
