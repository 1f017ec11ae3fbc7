package org.coverledger.ops;

import org.coverledger.eventstore.SignedNote.Signer;

/**
 * {@code ops/audit-key NAME}: makes a new Ed25519 key for signing the audit checkpoints, in the form
 * Go's {@code golang.org/x/mod/sumdb/note} writes it. Prints the signer key (a secret: set it as
 * COVERLEDGER_AUDIT_SIGNING_KEY in every query-side instance) and the verifier key (public: give it
 * to whoever checks the checkpoints).
 */
public final class AuditKey {

    private AuditKey() {
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--witness")) {
            try {
                org.coverledger.eventstore.Cosignature.Cosigner witness =
                        org.coverledger.eventstore.Cosignature.Cosigner.generate(args[1]);
                System.out.println("witness signer key (secret, for ops/witness): " + witness.text());
                System.out.println("witness key (public, COVERLEDGER_AUDIT_WITNESSES): " + witness.key().text());
            } catch (IllegalArgumentException e) {
                System.err.println("ops/audit-key: " + e.getMessage());
                System.exit(1);
            }
            return;
        }
        if (args.length != 1) {
            System.err.println("usage: ops/audit-key NAME   (the log's name, e.g. audit.example-insurer.cn/coverledger)");
            System.err.println("       ops/audit-key --witness NAME   (a witness's cosigning key)");
            System.exit(1);
        }
        Signer signer;
        try {
            signer = Signer.generate(args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("ops/audit-key: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("signer key (secret, COVERLEDGER_AUDIT_SIGNING_KEY): " + signer.text());
        System.out.println("verifier key (public):                              " + signer.verifier().text());
    }
}
