package org.coverledger.command.account;

import org.coverledger.command.verification.RealNameVerification;
import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.command.identity.CodeOutcomes;
import org.coverledger.command.identity.LoginChallenges;
import org.coverledger.command.identity.OneTimeCodes;
import org.coverledger.identity.Digests;
import org.coverledger.events.account.AccountApi.CloseAccount;
import org.coverledger.events.account.AccountApi.EraseAccount;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountVerified;
import org.coverledger.events.account.AccountApi.AuthorizeAutoDebit;
import org.coverledger.events.account.AccountApi.AutoDebitAuthorized;
import org.coverledger.events.account.AccountApi.AutoDebitRevoked;
import org.coverledger.events.account.AccountApi.ConfirmContactChange;
import org.coverledger.events.account.AccountApi.ConfirmVerification;
import org.coverledger.events.account.AccountApi.ContactChanged;
import org.coverledger.events.account.AccountApi.StartContactChange;
import org.coverledger.events.account.AccountApi.StartVerification;
import org.coverledger.events.account.AccountApi.PasswordChange;
import org.coverledger.events.account.AccountApi.PasswordChanged;
import org.coverledger.events.account.AccountApi.RecordPasswordChange;
import org.coverledger.events.account.AccountApi.RecordTrustedVerification;
import org.coverledger.events.account.AccountApi.RevokeAutoDebit;
import org.coverledger.events.account.AccountApi.AccountLocked;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.account.AccountApi.BindCard;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.account.AccountApi.CardUnbound;
import org.coverledger.events.account.AccountApi.UnbindCard;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountUnlocked;
import org.coverledger.events.account.AccountApi.LockAccount;
import org.coverledger.events.account.AccountApi.NotificationPreferencesSet;
import org.coverledger.events.account.AccountApi.SetNotificationPreferences;
import org.coverledger.events.account.LoginApi.AnswerLoginChallenge;
import org.coverledger.events.account.LoginApi.DeviceRemoved;
import org.coverledger.events.account.LoginApi.DeviceTrusted;
import org.coverledger.events.account.LoginApi.EndSession;
import org.coverledger.events.account.LoginApi.LoginChallengeFailed;
import org.coverledger.events.account.LoginApi.LoginChallengePassed;
import org.coverledger.events.account.LoginApi.LoginChallengeSent;
import org.coverledger.events.account.LoginApi.RemoveDevice;
import org.coverledger.events.account.LoginApi.SessionEnded;
import org.coverledger.events.account.LoginApi.SessionStarted;
import org.coverledger.events.account.LoginApi.StartLogin;
import org.coverledger.events.account.Notices;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.account.AccountApi.UnlockAccount;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** A customer's account with the insurer. Only its owner, or staff, may act on it. */
@Aggregate(cache = "accountCache")
public class Account {

    @AggregateIdentifier
    @DataSubject
    private String accountId;
    private String owner;
    @PersonalData
    private String name; // for the bank's real-name check
    @PersonalData
    private String nationalId;
    @PersonalData
    private String mobile; // the old contact is told when it changes
    @PersonalData
    private String email;
    private boolean verified;
    private boolean locked;
    private boolean closed;
    private boolean erased;
    private String autoDebitCard;
    private Money autoDebitCap;
    private final Map<String, String> cards = new LinkedHashMap<>(); // card id -> number
    private final Map<String, Trust> trustedDevices = new LinkedHashMap<>(); // device id -> its trust
    private final Set<String> seenDevices = new HashSet<>();
    private Map<Notices.NoticeType, Notices.Channel> noticeChannels = new LinkedHashMap<>();
    private java.time.LocalTime quietFrom;
    private java.time.LocalTime quietTo;
    private String pendingChallenge;
    private String challengedDevice;
    @PersonalData
    private String challengedDeviceName;
    @PersonalData
    private String challengedAddress;

    static final int MAX_CARDS = 5;
    /** The actor of what the system does by itself (seeding, recording a lock). */
    static final String SYSTEM = CommandMetadata.SYSTEM_ACTOR;

    protected Account() {
    }

    /** Registered by {@link AccountRegistration}, which has made national ID, mobile and email unique. */
    @CommandHandler
    public Account(RegisterAccount command) {
        apply(new AccountRegistered(command.accountId(), command.owner(), command.name(), command.nationalId(),
                command.mobile(), command.email()));
    }

    @CommandHandler
    public void handle(LockAccount command, BusinessCalendar calendar) {
        if (!locked) {
            apply(new AccountLocked(accountId, command.reason(), calendar.now()));
        }
    }

    @CommandHandler
    public void handle(UnlockAccount command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       BusinessCalendar calendar) {
        requireOpen();
        if (!locked) {
            throw new BusinessRuleViolation("ACCOUNT_NOT_LOCKED", "The account is not locked.");
        }
        apply(new AccountUnlocked(accountId, actor, calendar.now()));
    }

    @CommandHandler
    public void handle(BindCard command, Caller caller, BusinessCalendar calendar) {
        requireActionableBy(caller);
        if (cards.containsValue(command.cardNumber())) {
            throw new BusinessRuleViolation("CARD_ALREADY_BOUND", "This card is already bound to the account.");
        }
        if (cards.size() >= MAX_CARDS) {
            throw new BusinessRuleViolation("TOO_MANY_CARDS", "An account can have at most " + MAX_CARDS + " cards.");
        }
        apply(new CardBound(accountId, command.cardId(), command.cardNumber(), calendar.now()));
    }

    @CommandHandler
    public void handle(UnbindCard command, Caller caller, BusinessCalendar calendar) {
        requireActionableBy(caller);
        if (!cards.containsKey(command.cardId())) {
            throw new UnknownObject("card", command.cardId());
        }
        if (command.cardId().equals(autoDebitCard)) {
            throw new BusinessRuleViolation("CARD_IN_USE", "Premiums are debited from this card; revoke the auto-debit first.");
        }
        apply(new CardUnbound(accountId, command.cardId(), calendar.now()));
    }

    /** Whose name and ID the bank checks the card against: once, and only for the customer. */
    record RealName(String name, String nationalId) {
    }

    @CommandHandler
    public String handle(StartVerification command, Caller caller,
                         @MetaDataValue(CommandMetadata.CLIENT_IP) String client, RealNameVerification bank) {
        requireUnverifiedOwner(caller);
        return bank.sendCode(accountId, name, nationalId, command.cardNumber(), client);
    }

    /** The code from the bank-reserved mobile was right: the customer holds the card in their own name. */
    @CommandHandler
    public void handle(ConfirmVerification command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client, RealNameVerification bank,
                       BusinessCalendar calendar) {
        requireUnverifiedOwner(caller);
        verify(bank.confirmedCard(accountId, command.code(), client), calendar);
    }

    /** Whose name and ID the bank checks the card against: once, and only for the customer. */
    private void requireUnverifiedOwner(Caller caller) {
        requireOwnedBy(caller);
        if (verified) {
            throw new BusinessRuleViolation("ALREADY_VERIFIED", "The account is verified already.");
        }
    }

    private void verify(String cardNumber, BusinessCalendar calendar) {
        requireOpen();
        if (!verified) {
            apply(new AccountVerified(accountId, cardNumber, calendar.now()));
        }
    }

    @CommandHandler
    public void handle(RecordTrustedVerification command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       BusinessCalendar calendar) {
        if (!SYSTEM.equals(actor)) {
            throw new ActionNotPermitted("Only the system records a verification made elsewhere.");
        }
        verify(command.cardNumber(), calendar);
    }

    /** A new mobile or email: the code goes to it, and entering the code changes it. */
    @CommandHandler
    public void handle(StartContactChange command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client, ContactChange contacts) {
        requireOwnedBy(caller);
        contacts.sendCode(accountId, command.mobile(), command.email(), client);
    }

    @CommandHandler
    public void handle(ConfirmContactChange command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client, ContactChange contacts,
                       BusinessCalendar calendar) {
        requireOwnedBy(caller);
        ContactChange.Confirmed change = contacts.confirm(accountId, command.code(), client, mobile, email);
        apply(new ContactChanged(accountId, change.mobile(), change.email(), calendar.now()));
    }

    /**
     * The customer's password was right (checked by the login before this): on a trusted device,
     * or with two factors off, a session starts; otherwise a code goes to the account's mobile.
     */
    @CommandHandler
    public LoginStep handle(StartLogin command, Caller caller, @MetaDataValue(CommandMetadata.CLIENT_IP) String client,
                           LoginChallenges challenges, BusinessCalendar calendar) {
        requireOwnedBy(caller);
        Instant now = calendar.now();
        Trust trust = command.deviceId() == null ? null : trustedDevices.get(command.deviceId());
        if (!command.twoFactor() || (trust != null && trust.admits(command.deviceToken(), now))) {
            startSession(command.sessionId(), command.deviceId(), command.deviceName(), command.clientAddress(),
                    challenges, now);
            return new LoginStep.Granted(command.sessionId(), command.deviceId(), command.deviceName());
        }
        if (command.deviceId() == null) {
            throw new BusinessRuleViolation("DEVICE_ID_REQUIRED", "A customer logs in from a device named by X-Device-Id.");
        }
        String challengeId = challenges.send(accountId, mobile, client);
        apply(new LoginChallengeSent(accountId, challengeId, command.deviceId(), command.deviceName(),
                command.clientAddress(), now));
        return new LoginStep.Challenged(challengeId, PersonalDataMasking.maskMobile(mobile));
    }

    /** The code of the pending challenge: a session, and the device trusted if asked; a wrong code is recorded. */
    @CommandHandler
    public LoginStep handle(AnswerLoginChallenge command, @MetaDataValue(CommandMetadata.CLIENT_IP) String client,
                            LoginChallenges challenges, BusinessCalendar calendar) {
        requireOpen();
        if (locked || !command.challengeId().equals(pendingChallenge)) {
            throw new UnknownObject("login challenge", command.challengeId());
        }
        Instant now = calendar.now();
        OneTimeCodes.Check check = challenges.check(accountId, command.challengeId(), command.code(), client);
        if (!(check instanceof OneTimeCodes.Accepted)) {
            BusinessRuleViolation refusal = CodeOutcomes.refusal(check);
            int attemptsLeft = check instanceof OneTimeCodes.Wrong wrong ? wrong.attemptsLeft() : 0;
            apply(new LoginChallengeFailed(accountId, command.challengeId(), refusal.code(), attemptsLeft, now));
            if (attemptsLeft == 0) {
                challenges.close(command.challengeId());
            }
            return new LoginStep.Refused(refusal.code(), refusal.getMessage());
        }
        challenges.close(command.challengeId());
        String device = challengedDevice;
        String deviceName = challengedDeviceName;
        String address = challengedAddress;
        apply(new LoginChallengePassed(accountId, command.challengeId(), device, now));
        if (command.deviceToken() != null) {
            apply(new DeviceTrusted(accountId, device, deviceName, Digests.sha256Hex(command.deviceToken()),
                    now.plus(challenges.trustFor()), now));
        }
        startSession(command.sessionId(), device, deviceName, address, challenges, now);
        return new LoginStep.Granted(command.sessionId(), device, deviceName); // the device that was challenged
    }

    private void startSession(String sessionId, String deviceId, String deviceName, String address,
                              LoginChallenges challenges, Instant now) {
        boolean newDevice = deviceId != null && !seenDevices.contains(deviceId);
        apply(new SessionStarted(accountId, sessionId, deviceId, deviceName, address, newDevice, now));
        if (newDevice) {
            challenges.noticeNewDevice(accountId, mobile, deviceName, now);
        }
    }

    /**
     * A device the customer does not recognise: its sessions end first (so that nothing recorded
     * as removed still works), then it is trusted no more and must pass a code again.
     */
    @CommandHandler
    public void handle(RemoveDevice command, Caller caller, Sessions sessions, BusinessCalendar calendar) {
        requireVisibleTo(caller);
        boolean known = seenDevices.contains(command.deviceId()) || trustedDevices.containsKey(command.deviceId());
        long ended = sessions.endDevice(owner, command.deviceId());
        if (!known && ended == 0) {
            throw new UnknownObject("device", command.deviceId());
        }
        apply(new DeviceRemoved(accountId, command.deviceId(), caller.login(), calendar.now()));
    }

    @CommandHandler
    public void handle(EndSession command, Caller caller, Sessions sessions, BusinessCalendar calendar) {
        requireVisibleTo(caller);
        if (!sessions.end(owner, command.sessionId())) { // ended first: nothing recorded as ended still works
            throw new UnknownObject("session", command.sessionId());
        }
        apply(new SessionEnded(accountId, command.sessionId(), command.reason(), caller.login(), calendar.now()));
    }

    /** Only the customer, on this open account: what proves they hold a phone, a card or a mailbox. */
    private void requireOwnedBy(Caller caller) {
        if (!caller.mayActOn(owner)) {
            throw new UnknownObject("account", accountId);
        }
        requireOpen();
    }

    /** The customer (or an admin) may act on this open account. */
    private void requireActionableBy(Caller caller) {
        requireVisibleTo(caller);
        requireOpen();
    }

    @CommandHandler
    public void handle(RecordPasswordChange command, Caller caller, BusinessCalendar calendar) {
        requireActionableBy(caller);
        apply(new PasswordChanged(accountId, command.how(), caller.login(), calendar.now()));
        if (command.how() == PasswordChange.RESET_BY_CODE && locked) {
            apply(new AccountUnlocked(accountId, caller.login(), calendar.now()));
        }
    }

    @CommandHandler
    public void handle(AuthorizeAutoDebit command, Caller caller, BusinessCalendar calendar) {
        requireActionableBy(caller);
        if (!cards.containsKey(command.cardId())) {
            throw new BusinessRuleViolation("CARD_UNKNOWN", "There is no card " + command.cardId() + " on the account.");
        }
        if (command.dayOfMonth() < 1 || command.dayOfMonth() > 28) {
            throw new BusinessRuleViolation("DAY_OF_MONTH_INVALID", "Premiums are debited on a day from 1 to 28.");
        }
        if (command.amountCap().amount().signum() <= 0) {
            throw new BusinessRuleViolation("AMOUNT_NOT_POSITIVE", "The amount cap must be more than zero.");
        }
        apply(new AutoDebitAuthorized(accountId, command.cardId(), command.dayOfMonth(), command.amountCap(),
                calendar.now()));
    }

    @CommandHandler
    public void handle(RevokeAutoDebit command, Caller caller, BusinessCalendar calendar) {
        requireActionableBy(caller);
        if (autoDebitCard == null) {
            throw new BusinessRuleViolation("NO_AUTO_DEBIT", "No premium auto-debit is authorized.");
        }
        apply(new AutoDebitRevoked(accountId, caller.login(), calendar.now()));
    }

    /**
     * Closes the account if nothing binds it any more: no policy in force (or yet to start) and
     * no open claim, as its policies and claims say ({@link AccountCommitments}). Once stored,
     * nobody logs in to it and its tokens end.
     */
    @CommandHandler
    public void handle(CloseAccount command, Caller caller, AccountCommitments outside, BusinessCalendar calendar) {
        requireActionableBy(caller); // strangers learn nothing and mark nothing
        Commitments commitments = outside.closing(accountId);
        if (commitments.policyInForceOn(calendar.today())) {
            throw new BusinessRuleViolation("POLICY_IN_FORCE", "The account has a policy in force until "
                    + commitments.lastCoverEnd() + "; it can be closed after that.");
        }
        if (commitments.claimOpen()) {
            throw new BusinessRuleViolation("CLAIM_OPEN", "The account has a claim that is not settled yet.");
        }
        apply(new AccountClosed(accountId, caller.login(), calendar.now()));
        outside.shutOutOnceStored(accountId, owner);
    }

    /**
     * Erases the customer's personal data once the law no longer asks us to keep it: no open
     * claim, and the retention period after the last policy's cover has passed. Erasing twice
     * changes nothing; returns whether this call erased.
     */
    @CommandHandler
    public boolean handle(EraseAccount command, Caller caller, AccountCommitments outside, BusinessCalendar calendar) {
        Commitments commitments = outside.closing(accountId);
        outside.shutOutOnceStored(accountId, owner);
        outside.destroyKeyOnceStored(accountId);
        Period retention = outside.retention();
        if (!caller.hasAnyRole(Role.ADMIN)) {
            throw new ActionNotPermitted("Only an admin erases a customer's personal data.");
        }
        if (erased) {
            return false;
        }
        if (commitments.claimOpen()) {
            throw new BusinessRuleViolation("CLAIM_OPEN",
                    "The account has a claim that is not settled yet; its records must be kept.");
        }
        if (commitments.lastCoverEnd() != null) {
            LocalDate keptUntil = commitments.lastCoverEnd().plus(retention);
            if (!calendar.today().isAfter(keptUntil)) {
                throw new BusinessRuleViolation("RETENTION_APPLIES", "The law requires keeping this customer's records until "
                        + keptUntil + " (" + retention + " after the last policy's cover ended on "
                        + commitments.lastCoverEnd() + ").");
            }
        }
        apply(new PersonalDataErased(accountId, caller.login(), calendar.now()));
        return true;
    }

    /** What still binds an account: the latest end of cover among its policies (if any), and open claims. */
    record Commitments(LocalDate lastCoverEnd, boolean claimOpen) {
        boolean policyInForceOn(LocalDate day) {
            return lastCoverEnd != null && !lastCoverEnd.isBefore(day);
        }
    }

    /** New business (a claim, a policy) and every change need an open account. */
    public void requireOpen() {
        if (closed) {
            throw new BusinessRuleViolation("ACCOUNT_CLOSED", "The account is closed.");
        }
    }

    private void requireVisibleTo(Caller caller) {
        if (!caller.mayActOn(owner, Role.ADMIN)) {
            throw new UnknownObject("account", accountId);
        }
    }

    @CommandHandler
    public void handle(SetNotificationPreferences command, Caller caller) {
        requireActionableBy(caller);
        for (Notices.NoticeType money : Notices.MONEY_MOVEMENTS) {
            if (command.channels().containsKey(money) && command.channels().get(money) != Notices.Channel.SMS) {
                throw new BusinessRuleViolation("MONEY_MOVEMENTS_BY_SMS",
                        "Premium debits and claim payouts are always notified by SMS.");
            }
        }
        apply(new NotificationPreferencesSet(accountId, command.channels(), command.quietFrom(), command.quietTo()));
    }

    /**
     * The owner of this account, if the caller may buy or act for it. Underwriters and admins
     * act for any account; a customer for their own only, and another's looks like no account.
     */
    public String ownerFor(Caller caller) {
        if (!caller.mayActOn(owner, Role.UNDERWRITER, Role.ADMIN)) {
            throw unknown(accountId);
        }
        requireOpen();
        return owner;
    }

    /**
     * The number of a card bound to this open account, to pay from: only the customer (or an
     * admin) pays from the account's cards.
     */
    public String cardToPayFrom(Caller caller, String cardId) {
        requireActionableBy(caller);
        String number = cards.get(cardId);
        if (number == null) {
            throw new BusinessRuleViolation("CARD_UNKNOWN", "There is no card " + cardId + " on the account.");
        }
        return number;
    }

    /** Monthly premiums are debited under the account's authorization: one must cover the instalment. */
    public void requireAutoDebitFor(Money instalment) {
        if (autoDebitCard == null || autoDebitCap == null || instalment.exceeds(autoDebitCap)) {
            throw new BusinessRuleViolation("AUTO_DEBIT_REQUIRED", "Monthly premiums are debited automatically: "
                    + "authorize an auto-debit with a cap of at least " + instalment.amount().toPlainString()
                    + " first (POST /api/accounts/{id}/auto-debit).");
        }
    }

    /**
     * The card an instalment is debited from under the account's authorization: none when the
     * account is closed, has no authorization, or its cap is below the instalment.
     */
    public java.util.Optional<String> autoDebitCardFor(Money instalment) {
        if (closed || autoDebitCard == null || autoDebitCap == null || instalment.exceeds(autoDebitCap)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.ofNullable(cards.get(autoDebitCard));
    }

    /** Whether the national ID is the account holder's own (an insured named as SELF must be). */
    public boolean heldBy(String insuredNationalId) {
        return nationalId != null && nationalId.equalsIgnoreCase(insuredNationalId);
    }

    /** Where notices about the customer's policies go: the mobile, none once closed or erased. */
    public String mobileForNotices() {
        return closed || erased ? null : mobile;
    }

    /** How a notice reaches the customer: the channel, the address on it, and when (none: at once). */
    public record NoticeRoute(Notices.Channel channel, String to, Instant heldUntil) {
        @Override
        public String toString() {
            return "NoticeRoute[" + channel + ", " + heldUntil + "]";
        }
    }

    /**
     * The customer's choice for the type of notice (SMS unless they chose otherwise; none for
     * marketing), held through their quiet hours; money movements always go by SMS, at once, so
     * that the customer learns of them while they can still act. None once the account is erased.
     */
    public java.util.Optional<NoticeRoute> noticeRoute(Notices.NoticeType type, Instant now, java.time.ZoneId zone) {
        if (erased) {
            return java.util.Optional.empty();
        }
        boolean money = Notices.MONEY_MOVEMENTS.contains(type);
        Notices.Channel channel = money ? Notices.Channel.SMS : noticeChannels.getOrDefault(type,
                type == Notices.NoticeType.MARKETING ? Notices.Channel.NONE : Notices.Channel.SMS);
        String to = switch (channel) {
            case SMS -> mobile;
            case EMAIL -> email;
            case APP_PUSH -> owner;
            case NONE -> null;
        };
        if (to == null && channel != Notices.Channel.NONE) {
            channel = Notices.Channel.NONE; // no such contact (an email never given): the inbox only
        }
        Instant held = money || channel == Notices.Channel.NONE ? null : endOfQuietHours(now, zone);
        return java.util.Optional.of(new NoticeRoute(channel, to, held));
    }

    /** The end of the quiet hours the moment falls in, or none when it falls in none. */
    private Instant endOfQuietHours(Instant now, java.time.ZoneId zone) {
        if (quietFrom == null || quietTo == null || quietFrom.equals(quietTo)) {
            return null;
        }
        java.time.ZonedDateTime local = now.atZone(zone);
        java.time.LocalTime time = local.toLocalTime();
        boolean overnight = quietFrom.isAfter(quietTo); // 22:00 to 07:00
        boolean quiet = overnight ? !time.isBefore(quietFrom) || time.isBefore(quietTo)
                : !time.isBefore(quietFrom) && time.isBefore(quietTo);
        if (!quiet) {
            return null;
        }
        java.time.LocalDate day = local.toLocalDate();
        if (overnight && !time.isBefore(quietFrom)) {
            day = day.plusDays(1);
        }
        return day.atTime(quietTo).atZone(zone).toInstant();
    }

    /** The number of a card bound to the account, for a payout to it; empty once it is unbound. */
    public java.util.Optional<String> boundCard(String cardId) {
        return java.util.Optional.ofNullable(cardId == null ? null : cards.get(cardId));
    }

    public static BusinessRuleViolation unknown(String accountId) {
        return new BusinessRuleViolation("ACCOUNT_UNKNOWN", "There is no account " + accountId + ".");
    }

    @EventSourcingHandler
    void on(NotificationPreferencesSet event) {
        noticeChannels = new LinkedHashMap<>(event.channels());
        quietFrom = event.quietFrom();
        quietTo = event.quietTo();
    }

    @EventSourcingHandler
    void on(AccountRegistered event) {
        accountId = event.accountId();
        owner = event.owner();
        name = event.name();
        nationalId = event.nationalId();
        mobile = event.mobile();
        email = event.email();
    }

    @EventSourcingHandler
    void on(ContactChanged event) {
        if (event.mobile() != null) {
            mobile = event.mobile();
        }
        if (event.email() != null) {
            email = event.email();
        }
    }

    @EventSourcingHandler
    void on(LoginChallengeSent event) {
        pendingChallenge = event.challengeId();
        challengedDevice = event.deviceId();
        challengedDeviceName = event.deviceName();
        challengedAddress = event.clientAddress();
    }

    @EventSourcingHandler
    void on(LoginChallengeFailed event) {
        if (event.attemptsLeft() == 0) {
            pendingChallenge = null;
        }
    }

    @EventSourcingHandler
    void on(LoginChallengePassed event) {
        pendingChallenge = null;
    }

    @EventSourcingHandler
    void on(SessionStarted event) {
        if (event.deviceId() != null) {
            seenDevices.add(event.deviceId());
        }
    }

    @EventSourcingHandler
    void on(DeviceTrusted event) {
        trustedDevices.put(event.deviceId(), new Trust(event.secretHash(), event.trustedUntil()));
    }

    /** A device's trust: until when, and the hash of the secret it must show. */
    record Trust(String secretHash, Instant until) {
        boolean admits(String secret, Instant now) {
            return secret != null && until.isAfter(now) && java.security.MessageDigest.isEqual(
                    secretHash.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Digests.sha256Hex(secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @EventSourcingHandler
    void on(DeviceRemoved event) {
        trustedDevices.remove(event.deviceId());
        seenDevices.remove(event.deviceId());
        if (event.deviceId().equals(challengedDevice)) {
            pendingChallenge = null;
        }
    }

    @EventSourcingHandler
    void on(AccountVerified event) {
        verified = true;
    }

    @EventSourcingHandler
    void on(AutoDebitAuthorized event) {
        autoDebitCard = event.cardId();
        autoDebitCap = event.amountCap();
    }

    @EventSourcingHandler
    void on(AutoDebitRevoked event) {
        autoDebitCard = null;
    }

    @EventSourcingHandler
    void on(CardBound event) {
        cards.put(event.cardId(), event.cardNumber());
    }

    @EventSourcingHandler
    void on(CardUnbound event) {
        cards.remove(event.cardId());
    }

    @EventSourcingHandler
    void on(AccountLocked event) {
        locked = true;
        pendingChallenge = null; // a code sent before the lock opens nothing after it
    }

    /** A new password: a code asked for with the old one opens nothing. */
    @EventSourcingHandler
    void on(PasswordChanged event) {
        pendingChallenge = null;
    }

    @EventSourcingHandler
    void on(AccountUnlocked event) {
        locked = false;
    }

    @EventSourcingHandler
    void on(AccountClosed event) {
        closed = true;
    }

    @EventSourcingHandler
    void on(PersonalDataErased event) {
        closed = true;
        erased = true;
        cards.clear();
        name = null;
        nationalId = null;
        mobile = null;
        email = null;
    }
}
