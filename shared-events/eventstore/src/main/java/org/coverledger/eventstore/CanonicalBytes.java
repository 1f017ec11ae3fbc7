package org.coverledger.eventstore;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The canonical byte form the audit logs hash (README "The audit chain"): an ASCII version line,
 * then numbers as 8-byte big-endian values and fields as a 4-byte big-endian length followed by
 * that many bytes of UTF-8, or the length 0xFFFFFFFF alone for a field that is absent. Simple
 * enough to write again in any language from the README.
 */
public final class CanonicalBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    public CanonicalBytes(String version) {
        out.writeBytes((version + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    public CanonicalBytes number(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift) & 0xff);
        }
        return this;
    }

    public CanonicalBytes field(String value) {
        if (value == null) {
            return length(0xFFFFFFFF);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        length(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    private CanonicalBytes length(int length) {
        out.write(length >>> 24);
        out.write((length >>> 16) & 0xff);
        out.write((length >>> 8) & 0xff);
        out.write(length & 0xff);
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
