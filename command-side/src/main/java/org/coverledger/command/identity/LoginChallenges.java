package org.coverledger.command.identity;

import static com.mongodb.client.model.Filters.eq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.bson.Document;
import org.coverledger.command.identity.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * The second factor of a customer's login: a one-time code to the account's mobile (the code
 * rules of every flow: 6 digits, 5 minutes, 5 attempts, rate limits, only a keyed hash stored),
 * under a challenge id that the client answers with the code. A challenge names its account in
 * {@code login_challenges}, so that answering it needs no login; the code only counts under its
 * own challenge. What a login may do is decided by the Account's handlers, which call this.
 */
@Component
public class LoginChallenges {

    private static final String CHALLENGE = "challengeId";
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final MongoCollection<Document> challenges;
    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;
    private final Clock clock;
    private final Duration trustFor;
    private final ZoneId zone;

    @Autowired
    public LoginChallenges(MongoDatabaseFactory mongo, OneTimeCodes codes, Notifications notifications,
                           CodeRateLimits limits, Clock clock,
                           @Value("${coverledger.identity.device-trust:180d}") Duration trustFor,
                           @Value("${coverledger.business-zone}") ZoneId zone) {
        this(mongo.getMongoDatabase(), codes, notifications, limits, clock, trustFor, zone);
    }

    public LoginChallenges(MongoDatabase database, OneTimeCodes codes, Notifications notifications,
                           CodeRateLimits limits, Clock clock, Duration trustFor, ZoneId zone) {
        this.challenges = database.getCollection("login_challenges");
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
        this.clock = clock;
        this.trustFor = trustFor;
        this.zone = zone;
        challenges.createIndex(Indexes.ascending("expiresAt"), new IndexOptions().expireAfter(0L, java.util.concurrent.TimeUnit.SECONDS));
    }

    /** How long a challenge's code may be entered. */
    public Duration validFor() {
        return OneTimeCodes.VALID_FOR;
    }

    /** How long a device the customer chose to trust skips the code. */
    public Duration trustFor() {
        return trustFor;
    }

    /** Sends a code for a new challenge to the mobile; returns the challenge's id. */
    public String send(String accountId, String mobile, String client) {
        limits.codeRequested(accountId, client);
        String challengeId = UUID.randomUUID().toString();
        Instant now = clock.instant();
        String code = codes.issue(accountId, Purpose.LOGIN, Map.of(CHALLENGE, challengeId));
        challenges.insertOne(new Document("_id", challengeId).append("accountId", accountId)
                .append("expiresAt", Date.from(now.plus(OneTimeCodes.VALID_FOR))));
        notifications.send(new Notice(accountId, Notice.Channel.SMS, mobile, Purpose.LOGIN.name(),
                "Your CoverLedger login code is " + code + ". It expires in 5 minutes; never share it."));
        return challengeId;
    }

    /** The account a challenge belongs to, while its code may still be entered. */
    public Optional<String> accountOf(String challengeId) {
        Document doc = challenges.find(eq("_id", challengeId)).first();
        if (doc == null || !doc.getDate("expiresAt").toInstant().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(doc.getString("accountId"));
    }

    /** Enters the code of the challenge (counted against the rate limits). */
    public OneTimeCodes.Check check(String accountId, String challengeId, String code, String client) {
        limits.codeEntered(accountId, client);
        return codes.check(accountId, Purpose.LOGIN, code, Map.of(CHALLENGE, challengeId));
    }

    /** The challenge can be answered no more (passed, or out of attempts). */
    public void close(String challengeId) {
        challenges.deleteOne(eq("_id", challengeId));
    }

    /**
     * Tells the customer, by SMS whatever their preferences (a security notice), that a device new
     * to the account logged in; sent once the login is recorded.
     */
    public void noticeNewDevice(String accountId, String mobile, String deviceName, Instant at) {
        String text = "A new device (" + (deviceName == null ? "unknown device" : deviceName) + ") logged in to your "
                + "CoverLedger account at " + SHOWN.format(at.atZone(zone)) + " (" + zone.getId() + " time). If this "
                + "was not you, remove the device in the app and change your password.";
        Runnable send = () -> notifications.send(new Notice(accountId, Notice.Channel.SMS, mobile, "NEW_DEVICE_LOGIN", text));
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(u -> send.run());
        } else {
            send.run();
        }
    }
}
