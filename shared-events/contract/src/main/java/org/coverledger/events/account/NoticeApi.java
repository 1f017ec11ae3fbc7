package org.coverledger.events.account;

import java.time.Instant;

import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** Notices to customers, as events of the object they tell about. */
public final class NoticeApi {

    private NoticeApi() {
    }

    /**
     * A notice decided in the same commit as the step it tells of, so that none is lost and none
     * told of a step that did not happen: sent by {@code channel} (NONE: the customer turned that
     * type off; it is in their inbox all the same) to {@code to}, not before {@code heldUntil}
     * (the customer's quiet hours; none: at once). {@code about} is the claim or policy id.
     */
    public record NoticeIssued(String noticeId, @DataSubject String accountId, Notices.NoticeType type,
                               Notices.Channel channel, @PersonalData String to, @PersonalData String text,
                               String about, Instant heldUntil, Instant at) {
        @Override
        public String toString() {
            return "NoticeIssued[" + noticeId + ", " + type + ", " + channel + "]";
        }
    }
}
