package org.coverledger.command.verification;

import org.coverledger.command.account.Account;
import org.coverledger.command.identity.CodeOutcomes;
import org.coverledger.command.identity.CodeRateLimits;
import org.coverledger.command.identity.OneTimeCodes;
import java.util.Map;

import org.coverledger.command.identity.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.PersonalDataMasking;
import org.springframework.stereotype.Component;

/**
 * Real-name verification: the bank checks that the card is held under the account's name and
 * ID number and texts a code to the mobile its holder left with the bank; the code verifies.
 * What the account allows is decided by the Account's handlers, which call this.
 */
@Component
public class RealNameVerification {

    static final String MISMATCH = "name or ID number does not match the bank's records";

    private final BankRecords bank;
    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;

    public RealNameVerification(BankRecords bank, OneTimeCodes codes, Notifications notifications,
                                CodeRateLimits limits) {
        this.bank = bank;
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
    }

    /**
     * Asks the bank whether the card is held under this name and ID number and texts a code to
     * the mobile its holder left with the bank; returns that mobile, masked.
     */
    public String sendCode(String accountId, String name, String nationalId, String cardNumber, String client) {
        limits.codeRequested(accountId, client);
        String mobile = bank.reservedMobile(name, nationalId, cardNumber)
                .orElseThrow(() -> new BusinessRuleViolation("BANK_RECORDS_MISMATCH", MISMATCH));
        String code = codes.issue(accountId, Purpose.REAL_NAME_VERIFICATION, Map.of("cardNumber", cardNumber));
        notifications.send(new Notice(accountId, Notice.Channel.SMS, mobile, Purpose.REAL_NAME_VERIFICATION.name(),
                "Your CoverLedger verification code is " + code + ". It expires in 5 minutes; never share it."));
        return PersonalDataMasking.maskMobile(mobile);
    }

    /** The card the code was sent for, once the code is right; otherwise the refusal. */
    public String confirmedCard(String accountId, String code, String client) {
        limits.codeEntered(accountId, client);
        return CodeOutcomes.accepted(codes.check(accountId, Purpose.REAL_NAME_VERIFICATION, code)).get("cardNumber");
    }
}
