package org.coverledger.query.account;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/** A customer account as staff and the customer see it; personal fields are masked on the way out. */
@Document("account_views")
public record AccountView(@Id String accountId, String owner, String name, String nationalId, String mobile,
                          String email, String status, Instant registeredAt, Preferences notificationPreferences,
                          List<Card> cards, boolean verified, Instant verifiedAt, AutoDebit autoDebit,
                          List<Device> devices, long lastSequence) {

    /**
     * A device a session started on: its name from the user agent, when it was first and last
     * seen (last login), the address of the last login, whether the customer trusts it (no code).
     */
    public record Device(String deviceId, String name, Instant firstSeenAt, Instant lastSeenAt, String lastAddress,
                         boolean trusted, Instant trustedUntil) {
    }

    /** Premiums debited from a bound card on a day of the month, up to a cap. */
    public record AutoDebit(String cardId, int dayOfMonth, java.math.BigDecimal amountCap, String currency,
                            Instant authorizedAt) {
    }

    /** A bound bank card. */
    public record Card(String cardId, String number, Instant boundAt) {
    }

    /** Channel per notice type, and quiet hours as HH:mm in business time (or none). */
    public record Preferences(Map<String, String> channels, String quietFrom, String quietTo) {
    }
}
