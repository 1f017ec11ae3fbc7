package org.coverledger.query.account;

import java.time.Instant;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/** A customer account as staff and the customer see it; personal fields are masked on the way out. */
@Document("account_views")
public record AccountView(@Id String accountId, String owner, String name, String nationalId, String mobile,
                          String email, String status, Instant registeredAt, long lastSequence) {
}
