package org.coverledger.command.policy;

import java.time.LocalDate;
import java.util.Optional;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.common.Money;
import org.springframework.stereotype.Component;

/**
 * What renewing a policy needs beyond the policy, for its handlers: the premium of a further
 * term by the rules in force (from the quote's answers, {@link Rerating}), and the renewal notice
 * sent to the customer's mobile, and the share of the sum insured a term's claims may pay before
 * its renewal is referred to an underwriter.
 */
@Component
public class PolicyRenewals {

    /** The premium of a further term, computed as a quote's is; the quote package answers it. */
    public interface Rerating {
        /**
         * The yearly premium for cover of {@code sumInsured} from {@code newStart} on the answers the
         * quote was bought with, the insured's age on the new start, and any underwriter's loading;
         * empty when they can no longer be read (erased) or the rules no longer offer the cover.
         */
        Optional<Money> annualPremium(String quoteId, Money sumInsured, LocalDate newStart);
    }

    private final Rerating rerating;
    private final Repository<Account> accounts;
    private final Notifications notifications;
    private final java.math.BigDecimal referralShare;

    public PolicyRenewals(Rerating rerating, Repository<Account> accounts, Notifications notifications,
                          @org.springframework.beans.factory.annotation.Value(
                                  "${coverledger.policies.renewal-referral-share}") java.math.BigDecimal referralShare) {
        if (referralShare.signum() < 0) {
            throw new IllegalArgumentException("coverledger.policies.renewal-referral-share is a share of the sum "
                    + "insured, 0 or more: " + referralShare);
        }
        this.rerating = rerating;
        this.accounts = accounts;
        this.notifications = notifications;
        this.referralShare = referralShare;
    }

    /**
     * The share of a term's sum insured its claims may pay before the policy's renewal goes to an
     * underwriter (more than this share refers it).
     */
    public java.math.BigDecimal referralShare() {
        return referralShare;
    }

    public Optional<Money> annualPremium(String quoteId, Money sumInsured, LocalDate newStart) {
        return quoteId == null ? Optional.empty() : rerating.annualPremium(quoteId, sumInsured, newStart);
    }

    /** Tells the customer (at the policy's contact mobile, if one was named), once the notice is recorded, that the policy can be renewed until its end. */
    public void notifyOnceRecorded(String accountId, String policyNumber, LocalDate endDate, String policyContact) {
        String mobile;
        try {
            mobile = accounts.load(accountId).invoke(Account::mobileForNotices);
        } catch (AggregateNotFoundException e) {
            return;
        }
        if (mobile != null && policyContact != null) {
            mobile = policyContact; // the policy's own contact, while the account is open
        }
        if (mobile == null) {
            return;
        }
        String to = mobile;
        Runnable send = () -> notifications.send(new Notice(accountId, Notice.Channel.SMS, to, "RENEWAL_NOTICE",
                "CoverLedger: policy " + policyNumber + " ends on " + endDate + ". Renew it in the app before then "
                        + "to stay covered."));
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(u -> send.run());
        } else {
            send.run();
        }
    }

    /** Renewals debited later need the account's authorization, with a cap that covers what will be debited. */
    public void requireAutoDebit(String accountId, Money amount) {
        boolean covered;
        try {
            covered = accounts.load(accountId).invoke(account -> account.autoDebitCardFor(amount).isPresent());
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(accountId);
        }
        if (!covered) {
            throw new org.coverledger.events.common.BusinessRuleViolation("AUTO_DEBIT_REQUIRED", "Premiums are "
                    + "then debited automatically: authorize an auto-debit with a cap of at least "
                    + amount.amount().toPlainString() + " first (POST /api/accounts/{id}/auto-debit).");
        }
    }
}
