package org.coverledger.command.account;

import org.coverledger.platform.Refuses;
import org.coverledger.command.identity.LockRecorder;
import java.time.LocalTime;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.NationalIdNumber;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.account.AccountApi.AuthorizeAutoDebit;
import org.coverledger.events.account.AccountApi.RevokeAutoDebit;
import org.coverledger.events.common.Money;
import org.coverledger.events.account.AccountApi.BindCard;
import org.coverledger.events.account.AccountApi.CloseAccount;
import org.coverledger.events.account.AccountApi.EraseAccount;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.account.AccountApi.UnbindCard;
import org.coverledger.events.account.AccountApi.SetNotificationPreferences;
import org.coverledger.events.account.LoginApi.EndSession;
import org.coverledger.events.account.LoginApi.RemoveDevice;
import org.coverledger.events.account.LoginApi.SessionEnd;
import org.coverledger.events.account.Notices;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.account.AccountApi.UnlockAccount;
import org.coverledger.events.common.BankCardNumber;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.PasswordPolicy;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/accounts")
@Tag(name = "Accounts", description = "Customer accounts")
public class AccountController {

    public record RegistrationRequest(
            @NotBlank @Size(max = 50) String name,
            @NotBlank @NationalIdNumber String nationalId,
            @NotBlank @Pattern(regexp = "1[3-9]\\d{9}", message = "must be an 11-digit mainland mobile number") String mobile,
            @NotBlank @Email @Size(max = 254) String email,
            @NotBlank @Schema(description = "at least 8 characters with letters, digits and a special character",
                    accessMode = Schema.AccessMode.WRITE_ONLY) String password) {

        @Override
        public String toString() {
            return "RegistrationRequest[password hidden]"; // never log personal data or the password
        }
    }

    public record Registered(String accountId) {
    }

    public record Unlocked(String accountId, String status) {
    }

    public record PreferencesRequest(
            @NotNull Map<Notices.NoticeType, Notices.Channel> channels,
            @Schema(example = "23:00") LocalTime quietFrom,
            @Schema(example = "07:00") LocalTime quietTo) {
    }

    public record PreferencesAccepted(String accountId, String status) {
    }

    public record CardRequest(@NotBlank String bankCardNumber) {
        @Override
        public String toString() {
            return "CardRequest[number hidden]";
        }
    }

    public record CardBoundReply(String accountId, String cardId) {
    }

    public record AccountStatus(String accountId, String status) {
    }

    public record AutoDebitRequest(
            @NotBlank String cardId,
            @NotNull @Min(1) @Max(28) Integer dayOfMonth,
            @NotNull @Schema(type = "string", example = "5000.00") @DecimalMin(value = "0.00", inclusive = false)
            @Digits(integer = 12, fraction = 2) java.math.BigDecimal amountCap) {
    }

    public record AutoDebitReply(String accountId, String cardId, int dayOfMonth, String amountCap, String currency) {
    }

    private final Commands commands;
    private final RequestValidation validation;
    private final AccountRegistration registration;
    private final CustomerCredentials credentials;
    private final LockRecorder locks;

    public AccountController(Commands commands, RequestValidation validation, AccountRegistration registration,
                             CustomerCredentials credentials, LockRecorder locks) {
        this.locks = locks;
        this.commands = commands;
        this.validation = validation;
        this.registration = registration;
        this.credentials = credentials;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register as a customer (no login needed); then log in with the mobile number or email")
    @RequestBody(content = @Content(schema = @Schema(implementation = RegistrationRequest.class)))
    public Registered register(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        RegistrationRequest request = validation.read(body, RegistrationRequest.class, checks -> {
            if (checks.request().password() != null) {
                PasswordPolicy.problems(checks.request().password()).forEach(reason -> checks.fail("password", reason));
            }
        });
        String accountId = UUID.randomUUID().toString();
        // the new customer is the actor of their own registration
        registration.register(new RegisterAccount(accountId, accountId, request.name().trim(), request.nationalId(),
                        request.mobile(), request.email().trim()), request.password(),
                commands.metadata().and(CommandMetadata.ACTOR, accountId).and(CommandMetadata.ROLES, "CUSTOMER"));
        return new Registered(accountId);
    }

    @Refuses({"ACCOUNT_CLOSED", "CARD_ALREADY_BOUND", "TOO_MANY_CARDS"})
    @PostMapping("/{accountId}/cards")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Bind a bank card for premiums and claim payouts (the customer, or admin)")
    @RequestBody(content = @Content(schema = @Schema(implementation = CardRequest.class)))
    public CardBoundReply bindCard(@PathVariable String accountId,
                                   @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        CardRequest request = validation.read(body, CardRequest.class, checks -> {
            String number = checks.request().bankCardNumber();
            if (number != null && !number.isBlank() && !BankCardNumber.isValid(number)) {
                checks.fail("bankCardNumber", "must be 16 to 19 digits with a valid check digit");
            }
        });
        String cardId = UUID.randomUUID().toString();
        commands.send(new BindCard(accountId, cardId, request.bankCardNumber()));
        return new CardBoundReply(accountId, cardId);
    }

    @Refuses({"ACCOUNT_CLOSED", "CARD_IN_USE"})
    @DeleteMapping("/{accountId}/cards/{cardId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Unbind a bank card")
    public void unbindCard(@PathVariable String accountId, @PathVariable String cardId) {
        Ids.requireKnownFormat("account", accountId);
        Ids.requireKnownFormat("card", cardId);
        commands.send(new UnbindCard(accountId, cardId));
    }

    @DeleteMapping("/{accountId}/devices/{deviceId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove a device: it is trusted no more, its sessions end at once on both sides, and "
            + "its next login needs a one-time code")
    public void removeDevice(@PathVariable String accountId, @PathVariable String deviceId) {
        Ids.requireKnownFormat("account", accountId);
        if (!deviceId.matches("[A-Za-z0-9._:-]{8,128}")) {
            throw new UnknownObject("device", "?");
        }
        commands.send(new RemoveDevice(accountId, deviceId));
    }

    @DeleteMapping("/{accountId}/sessions/{sessionId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "End a session: its token stops working at once on both sides")
    public void endSession(@PathVariable String accountId, @PathVariable String sessionId) {
        Ids.requireKnownFormat("account", accountId);
        Ids.requireKnownFormat("session", sessionId);
        commands.send(new EndSession(accountId, sessionId, SessionEnd.REMOVED));
    }

    @Refuses({"ACCOUNT_CLOSED", "MONEY_MOVEMENTS_BY_SMS"})
    @PutMapping("/{accountId}/notification-preferences")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Which notices to receive, by which channel, and quiet hours; money movements always by SMS")
    @RequestBody(content = @Content(schema = @Schema(implementation = PreferencesRequest.class)))
    public PreferencesAccepted preferences(@PathVariable String accountId,
                                           @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        PreferencesRequest request = validation.read(body, PreferencesRequest.class, checks -> {
            PreferencesRequest r = checks.request();
            if ((r.quietFrom() == null) != (r.quietTo() == null)) {
                checks.fail(r.quietFrom() == null ? "quietFrom" : "quietTo", "quiet hours need both a start and an end");
            } else if (r.quietFrom() != null && r.quietFrom().equals(r.quietTo())) {
                checks.fail("quietTo", "must differ from quietFrom");
            }
            // money movements by SMS is the Account's rule (MONEY_MOVEMENTS_BY_SMS)
        });
        commands.send(new SetNotificationPreferences(accountId, request.channels(), request.quietFrom(), request.quietTo()));
        return new PreferencesAccepted(accountId, "ACCEPTED");
    }

    @Refuses({"ACCOUNT_CLOSED", "ACCOUNT_NOT_LOCKED"})
    @PostMapping("/{accountId}/unlock")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Unlock an account locked after failed logins (admin)")
    public Unlocked unlock(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        locks.recordIfLocked(accountId); // a lock not yet recorded as an event is recorded first
        commands.send(new UnlockAccount(accountId));
        credentials.unlock(accountId);
        return new Unlocked(accountId, "UNLOCKED");
    }

    @Refuses({"ACCOUNT_CLOSED", "POLICY_IN_FORCE", "CLAIM_OPEN", "NEW_BUSINESS_IN_PROGRESS"})
    @PostMapping("/{accountId}/closure")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Close the account (the customer, or admin); refused while a policy is in force or a claim is open",
            description = "Nobody can log in to a closed account any more, and its national ID, mobile and email are "
                    + "free for a new registration. Its history stays; erasure is a separate step.")
    public AccountStatus close(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new CloseAccount(accountId)); // logins and tokens end once it is stored (Account)
        return new AccountStatus(accountId, "CLOSED");
    }

    @Refuses({"CLAIM_OPEN", "RETENTION_APPLIES", "NEW_BUSINESS_IN_PROGRESS"})
    @PostMapping("/{accountId}/erasure")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Erase the customer's personal data (admin); refused while legal retention applies",
            description = "Retention: no open claim, and coverledger.privacy.retention-after-cover (5 years by default) "
                    + "has passed since the last policy's cover ended. Destroys the customer's key, so every personal "
                    + "field of every event reads as \"[erased]\" in every read model rebuilt from now on; the events, "
                    + "their order and any hash over them stay as they were. Closes the account if it was open. "
                    + "Repeating it is harmless.")
    public AccountStatus erase(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new EraseAccount(accountId)); // destroys the key, ends logins and tokens once it is stored
        return new AccountStatus(accountId, "ERASED");
    }

    @Refuses({"ACCOUNT_CLOSED", "CARD_UNKNOWN", "DAY_OF_MONTH_INVALID", "AMOUNT_NOT_POSITIVE"})
    @PostMapping("/{accountId}/auto-debit")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Authorize premium auto-debit from a bound card on a day of the month (1-28), never more "
            + "than the cap (AutoDebitAuthorized); a new authorization replaces the old",
            description = "422 CARD_UNKNOWN if the card is not bound to the account. A card with an authorization "
                    + "cannot be unbound until it is revoked.")
    @RequestBody(content = @Content(schema = @Schema(implementation = AutoDebitRequest.class)))
    public AutoDebitReply authorizeAutoDebit(@PathVariable String accountId,
                                             @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        AutoDebitRequest request = validation.read(body, AutoDebitRequest.class, checks -> { });
        Money cap = Money.cny(request.amountCap().toPlainString());
        commands.send(new AuthorizeAutoDebit(accountId, request.cardId(), request.dayOfMonth(), cap));
        return new AutoDebitReply(accountId, request.cardId(), request.dayOfMonth(), cap.amount().toPlainString(),
                cap.currency());
    }

    @Refuses({"ACCOUNT_CLOSED", "NO_AUTO_DEBIT"})
    @DeleteMapping("/{accountId}/auto-debit")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Revoke the premium auto-debit authorization (AutoDebitRevoked); 422 NO_AUTO_DEBIT if none")
    public void revokeAutoDebit(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new RevokeAutoDebit(accountId));
    }
}
