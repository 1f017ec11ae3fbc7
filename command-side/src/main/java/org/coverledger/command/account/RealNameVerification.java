package org.coverledger.command.account;

import java.util.Map;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.account.AccountApi.ConfirmVerification;
import org.coverledger.events.account.AccountApi.StartVerification;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.PersonalDataMasking;
import org.springframework.stereotype.Component;

/**
 * Real-name verification: the bank checks that the card is held under the account's name and
 * ID number and texts a code to the mobile its holder left with the bank; the code verifies.
 */
@Component
public class RealNameVerification {

    static final String MISMATCH = "name or ID number does not match the bank's records";

    private final Repository<Account> accounts;
    private final BankRecords bank;
    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;
    private final BusinessCalendar calendar;

    public RealNameVerification(Repository<Account> accounts, BankRecords bank, OneTimeCodes codes,
                                Notifications notifications, CodeRateLimits limits, BusinessCalendar calendar) {
        this.accounts = accounts;
        this.bank = bank;
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
        this.calendar = calendar;
    }

    /** Returns the bank-reserved mobile the code went to, masked. */
    @CommandHandler
    public String handle(StartVerification command, Caller caller,
                         @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        Account.RealName realName = Account.load(accounts, command.accountId())
                .invoke(account -> account.realNameToVerify(caller));
        limits.codeRequested(command.accountId(), client);
        String mobile = bank.reservedMobile(realName.name(), realName.nationalId(), command.cardNumber())
                .orElseThrow(() -> new BusinessRuleViolation("BANK_RECORDS_MISMATCH", MISMATCH));
        String code = codes.issue(command.accountId(), Purpose.REAL_NAME_VERIFICATION,
                Map.of("cardNumber", command.cardNumber()));
        notifications.send(new Notice(command.accountId(), Notice.Channel.SMS, mobile, Purpose.REAL_NAME_VERIFICATION.name(),
                "Your CoverLedger verification code is " + code + ". It expires in 5 minutes; never share it."));
        return PersonalDataMasking.maskMobile(mobile);
    }

    @CommandHandler
    public void handle(ConfirmVerification command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        Aggregate<Account> account = Account.load(accounts, command.accountId());
        account.execute(a -> a.realNameToVerify(caller));
        limits.codeEntered(command.accountId(), client);
        Map<String, String> confirmed = CodeOutcomes.accepted(
                codes.check(command.accountId(), Purpose.REAL_NAME_VERIFICATION, command.code()));
        account.execute(a -> a.verify(confirmed.get("cardNumber"), calendar));
    }
}
