package org.coverledger.query.account;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.util.List;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * Folds the notices of every object (claims now, policies later) into one inbox per account.
 * Idempotent by notice id: a notice already there is not pushed again, and as the inbox is kept
 * sorted by time, a redelivered notice older than all it keeps falls off at once. Notices about
 * different objects of one account may arrive on different threads; each push is one atomic write.
 */
@Component
@ProcessingGroup("accounts")
public class NoticeInboxProjection {

    static final int KEPT = 200;

    private final MongoTemplate mongo;

    public NoticeInboxProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(NoticeIssued event) {
        NoticeInbox.Notice notice = new NoticeInbox.Notice(event.noticeId(), event.type() == null ? null
                : event.type().name(), event.channel() == null ? null : event.channel().name(), event.to(),
                event.text(), event.about(), event.heldUntil(), event.at());
        Query absent = Query.query(where("_id").is(event.accountId()).and("notices.noticeId").ne(event.noticeId()));
        Update push = new Update().push("notices").sort(Sort.by("at")).slice(-KEPT).each(notice);
        try {
            mongo.upsert(absent, push, NoticeInbox.class);
        } catch (DuplicateKeyException alreadyThere) {
            // the inbox holds the notice: the upsert found no inbox without it and tried to make one
        }
    }

    /** Live, the notices' personal text is forgotten at once; rebuilt, the events read as erased anyway. */
    @EventHandler
    void on(PersonalDataErased event) {
        NoticeInbox inbox = mongo.findById(event.accountId(), NoticeInbox.class);
        if (inbox == null) {
            return;
        }
        List<NoticeInbox.Notice> erased = inbox.notices().stream().map(n -> new NoticeInbox.Notice(n.noticeId(),
                n.type(), n.channel(), n.to() == null ? null : SubjectKeys.ERASED,
                n.text() == null ? null : SubjectKeys.ERASED, n.about(), n.heldUntil(), n.at())).toList();
        mongo.updateFirst(Query.query(where("_id").is(event.accountId())), new Update().set("notices", erased),
                NoticeInbox.class);
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(NoticeInbox.class);
    }
}
