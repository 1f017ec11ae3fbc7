package org.coverledger.command.notification;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices;
import org.springframework.stereotype.Component;

/**
 * Puts every notice decided by an aggregate ({@link NoticeIssued}, stored with the step it tells
 * of) into the notification outbox, by a tracking processor of the command side: a notice is sent
 * once its step is stored, whatever became of the process that stored it, and handling it again
 * adds nothing (the outbox entry's id is the notice's). Notices held for the customer's quiet
 * hours wait in the outbox until then; a type the customer turned off goes to the inbox only.
 */
@Component
@ProcessingGroup(NoticeDispatch.PROCESSOR)
public class NoticeDispatch {

    public static final String PROCESSOR = "notices";

    private final MongoOutbox outbox;

    public NoticeDispatch(MongoOutbox outbox) {
        this.outbox = outbox;
    }

    @EventHandler
    void on(NoticeIssued event) {
        if (event.channel() == Notices.Channel.NONE || event.to() == null) {
            return;
        }
        outbox.enqueue(event.noticeId(), event.accountId(), event.channel().name(), event.to(), event.type().name(),
                event.text(), event.heldUntil());
    }
}
