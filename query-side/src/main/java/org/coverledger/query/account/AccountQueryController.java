package org.coverledger.query.account;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.Role;
import jakarta.servlet.http.HttpServletRequest;
import org.coverledger.identity.AccessTokens;
import org.coverledger.platform.BearerTokens;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/accounts")
@Tag(name = "Accounts", description = "Customer accounts, personal data masked by role")
public class AccountQueryController {

    static final List<String> STATUSES = List.of(AccountProjection.REGISTERED, AccountProjection.LOCKED,
            AccountProjection.CLOSED, AccountProjection.ERASED);

    /** An account as the caller may see it. */
    public record Account(String accountId, String name, String nationalId, String mobile, String email,
                          String status, Instant registeredAt, AccountView.Preferences notificationPreferences,
                          List<AccountView.Card> cards, boolean verified, Instant verifiedAt,
                          AccountView.AutoDebit autoDebit) {
        static Account of(AccountView view, Caller caller) {
            boolean own = caller.login().equals(view.owner());
            return new Account(view.accountId(), PersonalDataMasking.name(view.name(), caller),
                    PersonalDataMasking.nationalId(view.nationalId(), caller),
                    PersonalDataMasking.mobile(view.mobile(), caller, own),
                    PersonalDataMasking.email(view.email(), caller, own), view.status(), view.registeredAt(),
                    view.notificationPreferences(),
                    view.cards() == null ? List.of() : view.cards().stream().map(card -> new AccountView.Card(card.cardId(),
                            PersonalDataMasking.bankCard(card.number(), caller), card.boundAt())).toList(),
                    view.verified(), view.verifiedAt(), view.autoDebit());
        }
    }

    /** A live session of the account's login, never its token; {@code current} is the one asking. */
    public record Session(String sessionId, String deviceId, String deviceName, String clientAddress,
                          Instant startedAt, Instant lastUsedAt, Instant expiresAt, Instant idleUntil, boolean current) {
    }

    private final MongoTemplate mongo;
    private final AccessTokens tokens;
    private final HttpServletRequest request;

    private final org.coverledger.query.audit.ViewReplay replay;

    public AccountQueryController(MongoTemplate mongo, AccessTokens tokens, HttpServletRequest request,
                                  org.coverledger.query.audit.ViewReplay replay) {
        this.replay = replay;
        this.mongo = mongo;
        this.tokens = tokens;
        this.request = request;
    }

    @GetMapping("/{accountId}/devices")
    @Operation(summary = "The devices sessions of the account started on, trusted or not; the customer's own, or "
            + "any for an admin", description = "Last seen is the last login from the device; the address is masked.")
    public List<AccountView.Device> devices(@PathVariable String accountId, Caller caller) {
        AccountView view = ownOrAdmin(accountId, caller);
        return view.devices() == null ? List.of() : view.devices();
    }

    @GetMapping("/{accountId}/sessions")
    @Operation(summary = "The live sessions (bearer tokens) of the account, newest first; the customer's own, or "
            + "any for an admin", description = "A session ends at its idle limit, its lifetime, on logout, or when it "
            + "or its device is removed (DELETE on the command side).")
    public List<Session> sessions(@PathVariable String accountId, Caller caller) {
        AccountView view = ownOrAdmin(accountId, caller);
        String current = BearerTokens.of(request).flatMap(tokens::sessionOf).orElse(null);
        return tokens.sessions(view.owner()).stream().map(s -> new Session(s.sessionId(), s.deviceId(), s.deviceName(),
                s.clientAddress(), s.startedAt(), s.lastUsedAt(), s.expiresAt(), s.idleUntil(),
                s.sessionId().equals(current))).toList();
    }

    @GetMapping("/{accountId}/notices")
    @Operation(summary = "The account's inbox: the latest 200 notices (claim progress, materials requests, payouts, "
            + "...), newest first, whatever channel they went by; the customer's own, or any for an admin",
            description = "An admin sees the address a notice went to masked.")
    public Paging.Page<NoticeInbox.Notice> notices(@PathVariable String accountId,
                                                   @RequestParam(required = false) Integer page,
                                                   @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        ProblemResponses.throwIfAny(problems);
        AccountView account = ownOrAdmin(accountId, caller);
        boolean own = caller.login().equals(account.owner());
        List<NoticeInbox.Notice> newestFirst = newestFirst(mongo.findById(accountId, NoticeInbox.class));
        List<NoticeInbox.Notice> items = newestFirst.stream().skip(paging.offset()).limit(paging.size())
                .map(n -> shown(n, caller, own)).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), newestFirst.size());
    }

    /** The inbox's notices, newest first (none for an account without an inbox). */
    static List<NoticeInbox.Notice> newestFirst(NoticeInbox inbox) {
        return inbox == null || inbox.notices() == null ? List.of()
                : inbox.notices().stream().sorted(java.util.Comparator.comparing(NoticeInbox.Notice::at,
                        java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())).reversed()).toList();
    }

    /** A notice as the caller sees it: the address it went to masked as the account's own are. */
    static NoticeInbox.Notice shown(NoticeInbox.Notice n, Caller caller, boolean own) {
        return new NoticeInbox.Notice(n.noticeId(), n.type(), n.channel(), maskedAddress(n.to(), caller, own),
                n.text(), n.about(), n.heldUntil(), n.at());
    }

    /** Where a notice went: a mobile number or a mailbox, masked as the account's own are. */
    private static String maskedAddress(String to, Caller caller, boolean own) {
        if (to == null) {
            return null;
        }
        return to.indexOf('@') >= 0 ? PersonalDataMasking.email(to, caller, own)
                : PersonalDataMasking.mobile(to, caller, own);
    }

    private AccountView ownOrAdmin(String accountId, Caller caller) {
        AccountView view = mongo.findById(accountId, AccountView.class);
        if (view == null || !caller.mayActOn(view.owner(), Role.ADMIN)) {
            throw new NotFound("account", accountId);
        }
        return view;
    }

    @GetMapping("/{accountId}")
    @Operation(summary = "One account; a customer sees only their own; with asOf (an ISO-8601 instant) as it "
            + "stood then, folded from its events by the projection's own code")
    public Account get(@PathVariable String accountId, @RequestParam(required = false) String asOf, Caller caller) {
        java.time.Instant instant = org.coverledger.query.audit.ViewReplay.instant("asOf", asOf);
        Criteria criteria = where("_id").is(accountId);
        if (!caller.hasAnyRole(Role.UNDERWRITER, Role.ADJUSTER, Role.COMPLIANCE, Role.ADMIN)) {
            criteria = criteria.and("owner").is(caller.login());
        }
        AccountView view = mongo.findOne(Query.query(criteria), AccountView.class);
        if (view == null) {
            throw new NotFound("account", accountId);
        }
        if (instant != null) {
            view = replay.<AccountView>asOf(org.coverledger.query.audit.ViewReplay.Kind.ACCOUNT, accountId, instant)
                    .orElseThrow(() -> new NotFound("account", accountId + " at " + asOf));
        }
        return Account.of(view, caller);
    }

    @GetMapping
    @Operation(summary = "Page through accounts (staff)")
    public Paging.Page<Account> list(@RequestParam(required = false) String status,
                                     @RequestParam(required = false) Integer page,
                                     @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        if (status != null && !STATUSES.contains(status)) {
            problems.add(new FieldProblem("status", "must be one of " + STATUSES));
        }
        ProblemResponses.throwIfAny(problems);
        Query query = Query.query(status == null ? new Criteria() : where("status").is(status));
        long total = mongo.count(query, AccountView.class);
        List<Account> items = mongo.find(query.with(Sort.by("registeredAt", "_id"))
                        .skip(paging.offset()).limit(paging.size()), AccountView.class)
                .stream().map(v -> Account.of(v, caller)).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }
}
