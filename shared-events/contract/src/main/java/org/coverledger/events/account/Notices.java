package org.coverledger.events.account;

import java.util.EnumSet;
import java.util.Set;

/** What the insurer tells a customer about, and how. */
public final class Notices {

    private Notices() {
    }

    public enum NoticeType {
        POLICY_CHANGE, RENEWAL_REMINDER, CLAIM_PROGRESS, MATERIALS_REQUEST, PREMIUM_DEBIT, CLAIM_PAYOUT, MARKETING
    }

    public enum Channel { SMS, EMAIL, APP_PUSH, NONE }

    /** Money movements always reach the customer by SMS, whatever they prefer. */
    public static final Set<NoticeType> MONEY_MOVEMENTS = EnumSet.of(NoticeType.PREMIUM_DEBIT, NoticeType.CLAIM_PAYOUT);
}
