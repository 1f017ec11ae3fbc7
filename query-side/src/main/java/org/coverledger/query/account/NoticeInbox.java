package org.coverledger.query.account;

import java.time.Instant;
import java.util.List;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/**
 * A customer's inbox: the latest {@value NoticeInboxProjection#KEPT} notices the insurer decided
 * to send them, whatever the channel (NONE too: turned off, it is here all the same), oldest
 * first as stored. {@code to} and {@code text} are personal.
 */
@Document("notice_inbox")
public record NoticeInbox(@Id String accountId, List<Notice> notices) {

    public record Notice(String noticeId, String type, String channel, String to, String text, String about,
                         Instant heldUntil, Instant at) {
    }
}
