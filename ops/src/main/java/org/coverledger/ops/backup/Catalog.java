package org.coverledger.ops.backup;

import java.util.List;
import java.util.Set;

/**
 * Which collections of the database a backup copies, and how. Everything the system cannot
 * derive is copied; what the query side derives from the events is not (a restore rebuilds it,
 * which also proves that it can be rebuilt); short-lived sign-in state is not (after a restore
 * everyone signs in again). A collection this list does not know is copied in full, so that
 * state added later is never left out by default.
 */
final class Catalog {

    /** The event store's commits: copied incrementally, by global position. */
    static final String COMMITS = org.coverledger.eventstore.MongoCommitLogEngine.COMMITS;
    /** The data subjects' keys: copied in full by every backup, into a directory of their own. */
    static final String KEYS = "data_subject_keys";
    /** Claim materials (a GridFS bucket): the file documents in full, the chunks of new files only. */
    static final String MATERIAL_FILES = "claim_materials.files";
    static final String MATERIAL_CHUNKS = "claim_materials.chunks";
    /** Axon's token store: only the command side's processors' tokens are copied. */
    static final String TOKENS = "trackingtokens";
    /** Axon's dead letters: only the command side's are copied (a rebuild handles the projections' events again). */
    static final String DEAD_LETTERS = "deadletters";

    /** The query side's projections (each processor's name), folded again from the first event after a restore. */
    static final Set<String> PROJECTIONS = Set.of("policies", "claims", "accounts", "audit", "analytics");

    /** Collections the query side derives from the events, rebuilt after a restore. */
    static final Set<String> REBUILT = Set.of(
            "policy_views", "policy_holders", "quote_views", "claim_progress", "account_views", "notice_inbox",
            "account_holdings", "account_lookup", "analytics_days", "analytics_facts", "analytics_months",
            "audit_trail", "audit_tree", "audit_keys");

    /** Sign-in state that lives minutes: not restored, so nobody's old session or code comes back. */
    static final Set<String> SESSIONS = Set.of("access_tokens", "login_challenges", "one_time_codes",
            // which query-side instances are alive, for sharing segments
            "query_instances");

    /**
     * Copied before the store's end is read, in this order: state that follows the events (derived
     * from them by the command side's processors, or recorded once they are stored), so that it
     * never runs ahead of the commits copied: a signed checkpoint never covers a commit the backup
     * lacks, an idempotency key never answers for a lost command, a confirmed identity claim never
     * blocks a mobile for an account that is not there. The access log's head comes before its
     * records. Everything else is copied after the commits: what is recorded before its events
     * (passwords, an account's policy ids, payments, materials, keys), newer than them, never older.
     */
    static final List<String> BEFORE_END = List.of("audit_meta", "audit_access", "audit_checkpoints",
            "audit_verifications", "idempotency_keys", "account_identity_claims", "closed_logins", "adjuster_workloads",
            "claim_assignments", "timed_steps", "notification_outbox", "claim_sagas");

    private Catalog() {
    }

    /** Which generation of each read model is live (a restore starts again from generation 0). */
    static final String GENERATIONS = "projection_generations";

    /**
     * The query side's processors' names, each with the processors a blue/green rebuild runs
     * beside it ({@code policies~rebuild~g3}): a regular expression matching every other name.
     */
    static final String NOT_A_PROJECTION = "^(?!(" + String.join("|", new java.util.TreeSet<>(PROJECTIONS))
            + ")(~.*)?$)";

    /** Whether a backup copies the collection (the commits, keys and materials have their own ways). */
    static boolean copied(String collection) {
        return !rebuilt(collection) && !SESSIONS.contains(collection) && !collection.startsWith("system.");
    }

    /** A read model, in any of its generations ({@code policy_views__g2}), or the generations' own state. */
    static boolean rebuilt(String collection) {
        int generation = collection.lastIndexOf("__g");
        return REBUILT.contains(collection) || GENERATIONS.equals(collection)
                || generation > 0 && REBUILT.contains(collection.substring(0, generation))
                && collection.length() > generation + 3
                && collection.substring(generation + 3).chars().allMatch(Character::isDigit);
    }

    /** Why a collection is not copied, for the manifest. */
    static String whyNotCopied(String collection) {
        return rebuilt(collection) ? "rebuilt from the events after a restore"
                : "sign-in or instance state of minutes, not restored";
    }
}
