package org.coverledger.platform;

import static org.coverledger.events.common.Role.ADJUSTER;
import static org.coverledger.events.common.Role.ADMIN;
import static org.coverledger.events.common.Role.ANALYST;
import static org.coverledger.events.common.Role.COMPLIANCE;
import static org.coverledger.events.common.Role.CUSTOMER;
import static org.coverledger.events.common.Role.UNDERWRITER;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.coverledger.events.common.Role;

/**
 * Who may call what: the one table of the API's permissions, by role. Both applications build
 * their HTTP security from it, the README shows it, and a test walks every row with every role.
 * A customer is further limited to their own objects, which the aggregates and the read
 * models check (another customer's object answers 404).
 */
public enum Permission {

    /** Everyone who can log in exchanges the login for a bearer token, and ends it. */
    START_SESSION(Side.COMMAND, "POST", "/api/sessions", Role.values()),
    END_SESSION(Side.COMMAND, "DELETE", "/api/sessions/current", Role.values()),
    ANSWER_LOGIN_CHALLENGE(Side.COMMAND, "POST", "/api/sessions/challenges/*"),
    REMOVE_DEVICE(Side.COMMAND, "DELETE", "/api/accounts/*/devices/*", CUSTOMER, ADMIN),
    END_SESSION_OF_ACCOUNT(Side.COMMAND, "DELETE", "/api/accounts/*/sessions/*", CUSTOMER, ADMIN),
    /** Public: customers register before they have a login. */
    REGISTER_ACCOUNT(Side.COMMAND, "POST", "/api/accounts"),
    UNLOCK_ACCOUNT(Side.COMMAND, "POST", "/api/accounts/*/unlock", ADMIN),
    BIND_CARD(Side.COMMAND, "POST", "/api/accounts/*/cards", CUSTOMER, ADMIN),
    UNBIND_CARD(Side.COMMAND, "DELETE", "/api/accounts/*/cards/*", CUSTOMER, ADMIN),
    SET_NOTIFICATION_PREFERENCES(Side.COMMAND, "PUT", "/api/accounts/*/notification-preferences", CUSTOMER, ADMIN),
    /** Only the customer: what proves they hold a card, a phone or a mailbox (staff could point a login elsewhere). */
    START_VERIFICATION(Side.COMMAND, "POST", "/api/accounts/*/verification", CUSTOMER),
    CONFIRM_VERIFICATION(Side.COMMAND, "POST", "/api/accounts/*/verification/confirm", CUSTOMER),
    START_CONTACT_CHANGE(Side.COMMAND, "POST", "/api/accounts/*/contact-changes", CUSTOMER),
    CONFIRM_CONTACT_CHANGE(Side.COMMAND, "POST", "/api/accounts/*/contact-changes/confirm", CUSTOMER),
    /** The customer's own password; staff never set one. */
    CHANGE_PASSWORD(Side.COMMAND, "POST", "/api/accounts/*/password", CUSTOMER),
    /** Public: a customer who forgot the password, or locked the account, cannot log in. */
    REQUEST_PASSWORD_RESET(Side.COMMAND, "POST", "/api/accounts/password-resets"),
    RESET_PASSWORD(Side.COMMAND, "POST", "/api/accounts/password-resets/confirm"),
    AUTHORIZE_AUTO_DEBIT(Side.COMMAND, "POST", "/api/accounts/*/auto-debit", CUSTOMER, ADMIN),
    REVOKE_AUTO_DEBIT(Side.COMMAND, "DELETE", "/api/accounts/*/auto-debit", CUSTOMER, ADMIN),
    CLOSE_ACCOUNT(Side.COMMAND, "POST", "/api/accounts/*/closure", CUSTOMER, ADMIN),
    /** Compliance decides with the customer; an admin carries it out once retention allows. */
    ERASE_PERSONAL_DATA(Side.COMMAND, "POST", "/api/accounts/*/erasure", ADMIN),
    REQUEST_QUOTE(Side.COMMAND, "POST", "/api/quotes", CUSTOMER, UNDERWRITER, ADMIN),
    PURCHASE_QUOTE(Side.COMMAND, "POST", "/api/quotes/*/purchase", CUSTOMER, ADMIN),
    ACCEPT_REFERRED_QUOTE(Side.COMMAND, "POST", "/api/quotes/*/acceptance", UNDERWRITER, ADMIN),
    DECLINE_REFERRED_QUOTE(Side.COMMAND, "POST", "/api/quotes/*/declination", UNDERWRITER, ADMIN),
    CHANGE_POLICY(Side.COMMAND, "POST", "/api/policies/*/changes", CUSTOMER, UNDERWRITER, ADMIN),
    APPROVE_POLICY_CHANGE(Side.COMMAND, "POST", "/api/policies/*/changes/*/approval", UNDERWRITER, ADMIN),
    REJECT_POLICY_CHANGE(Side.COMMAND, "POST", "/api/policies/*/changes/*/rejection", UNDERWRITER, ADMIN),
    CANCEL_POLICY(Side.COMMAND, "POST", "/api/policies/*/cancellation", CUSTOMER, ADMIN),
    REINSTATE_POLICY(Side.COMMAND, "POST", "/api/policies/*/reinstatement", CUSTOMER, ADMIN),
    APPROVE_REINSTATEMENT(Side.COMMAND, "POST", "/api/policies/*/reinstatement/*/approval", UNDERWRITER, ADMIN),
    DECLINE_REINSTATEMENT(Side.COMMAND, "POST", "/api/policies/*/reinstatement/*/rejection", UNDERWRITER, ADMIN),
    ACCEPT_RENEWAL_REFERRAL(Side.COMMAND, "POST", "/api/policies/*/renewal/*/approval", UNDERWRITER, ADMIN),
    DECLINE_RENEWAL_REFERRAL(Side.COMMAND, "POST", "/api/policies/*/renewal/*/rejection", UNDERWRITER, ADMIN),
    RENEW_POLICY(Side.COMMAND, "POST", "/api/policies/*/renewal", CUSTOMER, ADMIN),
    CHOOSE_AUTO_RENEWAL(Side.COMMAND, "POST", "/api/policies/*/auto-renewal", CUSTOMER, ADMIN),
    SUBMIT_CLAIM(Side.COMMAND, "POST", "/api/claims", CUSTOMER, ADJUSTER, ADMIN),
    REQUEST_MATERIALS(Side.COMMAND, "POST", "/api/claims/*/material-requests", ADJUSTER, ADMIN),
    /** The claimant uploads; staff upload what reaches them on paper. */
    UPLOAD_MATERIAL(Side.COMMAND, "POST", "/api/claims/*/materials", CUSTOMER, ADJUSTER, ADMIN),
    PROVIDE_MATERIALS(Side.COMMAND, "POST", "/api/claims/*/materials/submission", CUSTOMER, ADMIN),
    ASSIGN_CLAIM(Side.COMMAND, "POST", "/api/claims/*/assignment", ADMIN),
    ASSESS_CLAIM(Side.COMMAND, "POST", "/api/claims/*/assessment", ADJUSTER, ADMIN),
    APPROVE_CLAIM(Side.COMMAND, "POST", "/api/claims/*/approval", ADJUSTER, ADMIN),
    CHANGE_PAYOUT_CARD(Side.COMMAND, "PUT", "/api/claims/*/payout-card", CUSTOMER, ADMIN),
    RETRY_PAYOUT(Side.COMMAND, "POST", "/api/claims/*/payout-retry", ADMIN),
    WITHDRAW_CLAIM(Side.COMMAND, "POST", "/api/claims/*/withdrawal", CUSTOMER, ADMIN),
    REOPEN_CLAIM(Side.COMMAND, "POST", "/api/claims/*/reopening", ADJUSTER, ADMIN),
    /** Only with the embedded profile, where no SMS or email gateway delivers the codes. */
    VIEW_OUTBOX(Side.COMMAND, "GET", "/api/admin/outbox", ADMIN),
    LIST_TIMED_STEPS(Side.COMMAND, "GET", "/api/admin/timed-steps", ADMIN),

    LIST_PRODUCTS(Side.QUERY, "GET", "/api/products"),
    VIEW_QUOTE(Side.QUERY, "GET", "/api/quotes/*", CUSTOMER, UNDERWRITER, ADMIN),
    UNDERWRITING_QUEUE(Side.QUERY, "GET", "/api/underwriting/queue", UNDERWRITER, ADMIN),
    LIST_POLICIES(Side.QUERY, "GET", "/api/policies", Role.values()),
    /** Before VIEW_POLICY, whose pattern it would otherwise match. */
    RENEWALS_DUE(Side.QUERY, "GET", "/api/policies/renewals-due", UNDERWRITER, ADJUSTER, COMPLIANCE, ADMIN),
    VIEW_POLICY(Side.QUERY, "GET", "/api/policies/*", Role.values()),
    VIEW_POLICY_DOCUMENT(Side.QUERY, "GET", "/api/policies/*/document", CUSTOMER, UNDERWRITER, ADMIN),
    LIST_CLAIMS(Side.QUERY, "GET", "/api/claims", CUSTOMER, ADJUSTER, COMPLIANCE, ANALYST, ADMIN),
    /** Before VIEW_CLAIM, whose pattern it would otherwise match. */
    CLAIMS_QUEUE(Side.QUERY, "GET", "/api/claims/queue", ADJUSTER, ADMIN),
    VIEW_CLAIM(Side.QUERY, "GET", "/api/claims/*", CUSTOMER, ADJUSTER, COMPLIANCE, ANALYST, ADMIN),
    VIEW_CLAIM_PROGRESS(Side.QUERY, "GET", "/api/claims/*/progress", CUSTOMER, ADJUSTER, COMPLIANCE, ADMIN),
    FOLLOW_CLAIM_PROGRESS(Side.QUERY, "GET", "/api/claims/*/progress/stream", CUSTOMER, ADJUSTER, COMPLIANCE, ADMIN),
    /** Who may see the claim; analysts see what it holds, never its files. */
    DOWNLOAD_MATERIAL(Side.QUERY, "GET", "/api/claims/*/materials/*", CUSTOMER, ADJUSTER, COMPLIANCE, ADMIN),
    LIST_NOTICES(Side.QUERY, "GET", "/api/accounts/*/notices", CUSTOMER, ADMIN),
    /** Before VIEW_ACCOUNT, whose pattern it would otherwise match: service staff find a customer by key. */
    FIND_ACCOUNT(Side.QUERY, "GET", "/api/accounts/lookup", UNDERWRITER, ADJUSTER, COMPLIANCE, ADMIN),
    /** The customer's "my assets" page; service staff see any customer's, with recent activity. */
    ACCOUNT_OVERVIEW(Side.QUERY, "GET", "/api/accounts/*/overview", CUSTOMER, UNDERWRITER, ADJUSTER, COMPLIANCE, ADMIN),
    VIEW_ACCOUNT(Side.QUERY, "GET", "/api/accounts/*", CUSTOMER, UNDERWRITER, ADJUSTER, COMPLIANCE, ADMIN),
    LIST_DEVICES(Side.QUERY, "GET", "/api/accounts/*/devices", CUSTOMER, ADMIN),
    LIST_SESSIONS(Side.QUERY, "GET", "/api/accounts/*/sessions", CUSTOMER, ADMIN),
    LIST_ACCOUNTS(Side.QUERY, "GET", "/api/accounts", UNDERWRITER, ADJUSTER, COMPLIANCE, ANALYST, ADMIN),
    READ_AUDIT_TRAIL(Side.QUERY, "GET", "/api/audit", COMPLIANCE, ADMIN),
    VERIFY_AUDIT_TRAIL(Side.QUERY, "POST", "/api/audit/verifications", COMPLIANCE, ADMIN),
    /** The log of who looked at the audit trail is checked as the trail is (reading it: READ_AUDIT_PROOFS). */
    VERIFY_AUDIT_ACCESS(Side.QUERY, "POST", "/api/audit/access/verifications", COMPLIANCE, ADMIN),
    /** The key that signs the audit checkpoints is public, as a verifier needs it without an account. */
    AUDIT_PUBLIC_KEY(Side.QUERY, "GET", "/api/audit/public-key"),
    /**
     * Witnesses need no account: the recorded checkpoints and the consistency proofs between them
     * are hashes only, and a cosignature is accepted only when a configured witness key signed it.
     */
    AUDIT_CHECKPOINTS(Side.QUERY, "GET", "/api/audit/checkpoints"),
    AUDIT_CONSISTENCY(Side.QUERY, "GET", "/api/audit/proofs/consistency"),
    COSIGN_AUDIT_CHECKPOINT(Side.QUERY, "POST", "/api/audit/checkpoints/*/cosignatures"),
    /** Signed checkpoints and proofs of the audit log (after AUDIT_PUBLIC_KEY, whose path this matches). */
    READ_AUDIT_PROOFS(Side.QUERY, "GET", "/api/audit/**", COMPLIANCE, ADMIN),
    /** Aggregates only: no figure names or identifies a customer. */
    ANALYTICS_PORTFOLIO(Side.QUERY, "GET", "/api/analytics/portfolio", ANALYST, COMPLIANCE, ADMIN),
    ANALYTICS_CLAIMS(Side.QUERY, "GET", "/api/analytics/claims", ANALYST, COMPLIANCE, ADMIN),
    ANALYTICS_CYCLE_TIMES(Side.QUERY, "GET", "/api/analytics/cycle-times", ANALYST, COMPLIANCE, ADMIN),
    ANALYTICS_ADJUSTERS(Side.QUERY, "GET", "/api/analytics/adjusters", ANALYST, COMPLIANCE, ADMIN),
    /** The dashboard's page, script and chart library hold no figures: the page asks the analytics with the analyst's login. */
    DASHBOARD(Side.QUERY, "GET", "/dashboard"),
    DASHBOARD_FILES(Side.QUERY, "GET", "/dashboard/*"),
    DASHBOARD_LIBRARY(Side.QUERY, "GET", "/dashboard/lib/*"),
    VIEW_PROJECTIONS(Side.QUERY, "GET", "/api/admin/**", ADMIN),
    OPERATE_PROJECTIONS(Side.QUERY, "POST", "/api/admin/**", ADMIN),
    /** Aborting a projection's rebuild. */
    ABORT_REBUILDS(Side.QUERY, "DELETE", "/api/admin/projections/*/rebuild", ADMIN);

    /** Which application serves the path. */
    public enum Side { COMMAND, QUERY }

    private final Side side;
    private final String method;
    private final String path;
    private final Set<Role> roles;

    Permission(Side side, String method, String path, Role... roles) {
        this.side = side;
        this.method = method;
        this.path = path;
        this.roles = roles.length == 0 ? Set.of() : Set.copyOf(EnumSet.copyOf(List.of(roles)));
    }

    public Side side() {
        return side;
    }

    public String method() {
        return method;
    }

    /** An Ant-style path pattern, as Spring Security matches it. */
    public String path() {
        return path;
    }

    /** Open to anyone, without logging in. */
    public boolean isPublic() {
        return roles.isEmpty();
    }

    public Set<Role> roles() {
        return roles;
    }

    public String[] roleNames() {
        return roles.stream().map(Enum::name).sorted().toArray(String[]::new);
    }

    public static List<Permission> of(Side side) {
        return List.of(values()).stream().filter(p -> p.side == side).toList();
    }

    /** The methods the side's table takes at the path (empty: the path is unknown to the side). */
    public static Set<String> methodsAt(Side side, String path) {
        org.springframework.util.AntPathMatcher matcher = new org.springframework.util.AntPathMatcher();
        return of(side).stream().filter(p -> matcher.match(p.path, path)).map(Permission::method)
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }
}
