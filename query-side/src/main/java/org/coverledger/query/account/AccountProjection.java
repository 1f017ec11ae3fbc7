package org.coverledger.query.account;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.coverledger.events.account.LoginApi.DeviceRemoved;
import org.coverledger.events.account.LoginApi.DeviceTrusted;
import org.coverledger.events.account.LoginApi.SessionStarted;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountVerified;
import org.coverledger.events.account.AccountApi.AutoDebitAuthorized;
import org.coverledger.events.account.AccountApi.AutoDebitRevoked;
import org.coverledger.events.account.AccountApi.ContactChanged;
import org.coverledger.events.account.AccountApi.AccountLocked;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountUnlocked;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.account.AccountApi.CardUnbound;
import org.coverledger.events.account.AccountApi.NotificationPreferencesSet;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/** Folds account events into {@link AccountView}s; idempotent by aggregate sequence. */
@Component
@ProcessingGroup("accounts")
public class AccountProjection {

    static final String REGISTERED = "REGISTERED";
    static final String LOCKED = "LOCKED";
    static final String CLOSED = "CLOSED";
    static final String ERASED = "ERASED";

    private final MongoTemplate mongo;

    public AccountProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(AccountRegistered event, @SequenceNumber long sequence, @Timestamp Instant at) {
        if (mongo.findById(event.accountId(), AccountView.class) == null) {
            mongo.insert(new AccountView(event.accountId(), event.owner(), event.name(), event.nationalId(),
                    event.mobile(), event.email(), REGISTERED, at, null, List.of(), false, null, null, List.of(), sequence));
        }
    }

    @EventHandler
    void on(AccountLocked event, @SequenceNumber long sequence) {
        status(event.accountId(), LOCKED, sequence);
    }

    @EventHandler
    void on(AccountUnlocked event, @SequenceNumber long sequence) {
        status(event.accountId(), REGISTERED, sequence);
    }

    @EventHandler
    void on(AccountVerified event, @SequenceNumber long sequence) {
        update(event.accountId(), sequence, new Update().set("verified", true).set("verifiedAt", event.verifiedAt()));
    }

    @EventHandler
    void on(ContactChanged event, @SequenceNumber long sequence) {
        Update update = new Update();
        if (event.mobile() != null) {
            update.set("mobile", event.mobile());
        }
        if (event.email() != null) {
            update.set("email", event.email());
        }
        update(event.accountId(), sequence, update);
    }

    @EventHandler
    void on(AutoDebitAuthorized event, @SequenceNumber long sequence) {
        update(event.accountId(), sequence, new Update().set("autoDebit", new AccountView.AutoDebit(event.cardId(),
                event.dayOfMonth(), event.amountCap().amount(), event.amountCap().currency(), event.authorizedAt())));
    }

    @EventHandler
    void on(AutoDebitRevoked event, @SequenceNumber long sequence) {
        update(event.accountId(), sequence, new Update().unset("autoDebit"));
    }

    @EventHandler
    void on(AccountClosed event, @SequenceNumber long sequence) {
        status(event.accountId(), CLOSED, sequence);
    }

    /** Live, the view forgets at once; rebuilt, the events' personal fields read as erased anyway. */
    @EventHandler
    void on(PersonalDataErased event, @SequenceNumber long sequence) {
        AccountView current = mongo.findById(event.accountId(), AccountView.class);
        List<AccountView.Card> cards = current == null ? List.of() : current.cards().stream()
                .map(card -> new AccountView.Card(card.cardId(), SubjectKeys.ERASED, card.boundAt())).toList();
        List<AccountView.Device> devices = current == null || current.devices() == null ? List.of()
                : current.devices().stream().map(device -> new AccountView.Device(device.deviceId(), SubjectKeys.ERASED,
                        device.firstSeenAt(), device.lastSeenAt(), SubjectKeys.ERASED, device.trusted(),
                        device.trustedUntil())).toList();
        update(event.accountId(), sequence, new Update().set("status", ERASED).set("name", SubjectKeys.ERASED)
                .set("nationalId", SubjectKeys.ERASED).set("mobile", SubjectKeys.ERASED)
                .set("email", SubjectKeys.ERASED).set("cards", cards).set("devices", devices));
    }

    @EventHandler
    void on(NotificationPreferencesSet event, @SequenceNumber long sequence) {
        Map<String, String> channels = new TreeMap<>();
        event.channels().forEach((type, channel) -> channels.put(type.name(), channel.name()));
        update(event.accountId(), sequence, new Update().set("notificationPreferences", new AccountView.Preferences(
                channels, text(event.quietFrom()), text(event.quietTo()))));
    }

    @EventHandler
    void on(CardBound event, @SequenceNumber long sequence) {
        update(event.accountId(), sequence, new Update().push("cards",
                new AccountView.Card(event.cardId(), event.cardNumber(), event.boundAt())));
    }

    @EventHandler
    void on(CardUnbound event, @SequenceNumber long sequence) {
        update(event.accountId(), sequence, new Update().pull("cards", new org.bson.Document("cardId", event.cardId())));
    }

    @EventHandler
    void on(SessionStarted event, @SequenceNumber long sequence) {
        if (event.deviceId() == null) {
            return;
        }
        devices(event.accountId(), sequence, devices -> {
            AccountView.Device known = devices.get(event.deviceId());
            devices.put(event.deviceId(), new AccountView.Device(event.deviceId(), event.deviceName(),
                    known == null ? event.startedAt() : known.firstSeenAt(), event.startedAt(),
                    PersonalDataMasking.maskAddress(event.clientAddress()),
                    known != null && known.trusted(), known == null ? null : known.trustedUntil()));
        });
    }

    @EventHandler
    void on(DeviceTrusted event, @SequenceNumber long sequence) {
        devices(event.accountId(), sequence, devices -> {
            AccountView.Device known = devices.get(event.deviceId());
            devices.put(event.deviceId(), new AccountView.Device(event.deviceId(), event.deviceName(),
                    known == null ? event.trustedAt() : known.firstSeenAt(),
                    known == null ? event.trustedAt() : known.lastSeenAt(), known == null ? null : known.lastAddress(),
                    true, event.trustedUntil()));
        });
    }

    @EventHandler
    void on(DeviceRemoved event, @SequenceNumber long sequence) {
        devices(event.accountId(), sequence, devices -> devices.remove(event.deviceId()));
    }

    /** The account's devices, changed in order (a device id may hold a dot, so the list is written whole). */
    private void devices(String accountId, long sequence, java.util.function.Consumer<Map<String, AccountView.Device>> change) {
        AccountView current = mongo.findById(accountId, AccountView.class);
        if (current == null || current.lastSequence() >= sequence) {
            return;
        }
        Map<String, AccountView.Device> devices = new java.util.LinkedHashMap<>();
        if (current.devices() != null) {
            current.devices().forEach(device -> devices.put(device.deviceId(), device));
        }
        change.accept(devices);
        update(accountId, sequence, new Update().set("devices", List.copyOf(devices.values())));
    }

    private static String text(java.time.LocalTime time) {
        return time == null ? null : time.toString();
    }

    private void status(String accountId, String status, long sequence) {
        update(accountId, sequence, new Update().set("status", status));
    }

    private void update(String accountId, long sequence, Update update) {
        AccountView current = mongo.findById(accountId, AccountView.class);
        if (current != null && current.lastSequence() < sequence) {
            mongo.updateFirst(Query.query(Criteria.where("_id").is(accountId)), update.set("lastSequence", sequence),
                    AccountView.class);
        }
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(AccountView.class);
    }
}
