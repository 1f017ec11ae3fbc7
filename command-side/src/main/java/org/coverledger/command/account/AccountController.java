package org.coverledger.command.account;

import java.time.LocalTime;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
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
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.account.AccountApi.AuthorizeAutoDebit;
import org.coverledger.events.account.AccountApi.ConfirmContactChange;
import org.coverledger.events.account.AccountApi.ConfirmVerification;
import org.coverledger.events.account.AccountApi.RevokeAutoDebit;
import org.coverledger.events.account.AccountApi.StartContactChange;
import org.coverledger.events.account.AccountApi.StartVerification;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.account.AccountApi.BindCard;
import org.coverledger.events.account.AccountApi.CloseAccount;
import org.coverledger.events.account.AccountApi.EraseAccount;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.account.AccountApi.UnbindCard;
import org.coverledger.events.account.AccountApi.SetNotificationPreferences;
import org.coverledger.events.account.Notices;
import org.coverledger.events.account.AccountApi.UnlockAccount;
import org.coverledger.events.common.BankCardNumber;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.NationalId;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.PasswordPolicy;
import org.coverledger.privacy.SubjectKeys;
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
            @NotBlank String nationalId,
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

    public record VerificationRequest(@NotBlank String bankCardNumber) {
        @Override
        public String toString() {
            return "VerificationRequest[number hidden]";
        }
    }

    public record CodeRequest(@NotBlank @Pattern(regexp = "\\d{6}", message = "must be the 6-digit code") String code) {
        @Override
        public String toString() {
            return "CodeRequest[code hidden]";
        }
    }

    public record CodeSent(String accountId, @Schema(example = "138****0001") String codeSentTo,
                           @Schema(example = "300") long expiresInSeconds) {
    }

    public record ContactChangeRequest(
            @Pattern(regexp = "1[3-9]\\d{9}", message = "must be an 11-digit mainland mobile number") String mobile,
            @Email @Size(max = 254) String email) {
        @Override
        public String toString() {
            return "ContactChangeRequest[hidden]";
        }
    }

    public record PasswordChangeRequest(
            @NotBlank @Schema(accessMode = Schema.AccessMode.WRITE_ONLY) String currentPassword,
            @NotBlank @Schema(description = "at least 8 characters with letters, digits and a special character",
                    accessMode = Schema.AccessMode.WRITE_ONLY) String newPassword) {
        @Override
        public String toString() {
            return "PasswordChangeRequest[hidden]";
        }
    }

    public record ResetRequest(@NotBlank @Schema(description = "the mobile number or email the customer logs in with")
                               String login) {
        @Override
        public String toString() {
            return "ResetRequest[hidden]";
        }
    }

    public record ResetConfirmation(
            @NotBlank String login,
            @NotBlank @Pattern(regexp = "\\d{6}", message = "must be the 6-digit code") String code,
            @NotBlank @Schema(description = "at least 8 characters with letters, digits and a special character",
                    accessMode = Schema.AccessMode.WRITE_ONLY) String newPassword) {
        @Override
        public String toString() {
            return "ResetConfirmation[hidden]";
        }
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
    private final SubjectKeys keys;
    private final Passwords passwords;
    private final HttpServletRequest http;

    public AccountController(Commands commands, RequestValidation validation, AccountRegistration registration,
                             CustomerCredentials credentials, SubjectKeys keys, Passwords passwords,
                             HttpServletRequest http) {
        this.commands = commands;
        this.validation = validation;
        this.registration = registration;
        this.credentials = credentials;
        this.keys = keys;
        this.passwords = passwords;
        this.http = http;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register as a customer (no login needed); then log in with the mobile number or email")
    @RequestBody(content = @Content(schema = @Schema(implementation = RegistrationRequest.class)))
    public Registered register(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        RegistrationRequest request = validation.read(body, RegistrationRequest.class, checks -> {
            String id = checks.request().nationalId();
            if (id != null && !id.isBlank() && !NationalId.isValid(id)) {
                checks.fail("nationalId", "must be an 18-character PRC resident ID with a valid check character");
            }
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

    @DeleteMapping("/{accountId}/cards/{cardId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Unbind a bank card")
    public void unbindCard(@PathVariable String accountId, @PathVariable String cardId) {
        Ids.requireKnownFormat("account", accountId);
        Ids.requireKnownFormat("card", cardId);
        commands.send(new UnbindCard(accountId, cardId));
    }

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
            if (r.channels() != null) {
                Notices.MONEY_MOVEMENTS.stream()
                        .filter(money -> r.channels().containsKey(money) && r.channels().get(money) != Notices.Channel.SMS)
                        .forEach(money -> checks.fail("channels." + money, "money movements are always notified by SMS"));
            }
        });
        commands.send(new SetNotificationPreferences(accountId, request.channels(), request.quietFrom(), request.quietTo()));
        return new PreferencesAccepted(accountId, "ACCEPTED");
    }

    @PostMapping("/{accountId}/unlock")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Unlock an account locked after failed logins (admin)")
    public Unlocked unlock(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new UnlockAccount(accountId));
        credentials.unlock(accountId);
        return new Unlocked(accountId, "UNLOCKED");
    }

    @PostMapping("/{accountId}/closure")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Close the account (the customer, or admin); refused while a policy is in force or a claim is open",
            description = "Nobody can log in to a closed account any more, and its national ID, mobile and email are "
                    + "free for a new registration. Its history stays; erasure is a separate step.")
    public AccountStatus close(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new CloseAccount(accountId));
        credentials.forget(accountId);
        return new AccountStatus(accountId, "CLOSED");
    }

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
        commands.send(new EraseAccount(accountId));
        // after the event is stored: a failure here is finished by repeating the request
        keys.erase(accountId);
        credentials.forget(accountId);
        return new AccountStatus(accountId, "ERASED");
    }

    @PostMapping("/{accountId}/verification")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Real-name verification, step 1: the bank checks the card against the account's name and "
            + "ID number and a 6-digit code goes to the mobile the card holder left with the bank",
            description = "422 BANK_RECORDS_MISMATCH: \"name or ID number does not match the bank's records\"; "
                    + "422 ALREADY_VERIFIED; 429 with Retry-After when too many codes were requested for the account "
                    + "or from the client. The code is valid for 5 minutes and 5 attempts.")
    @RequestBody(content = @Content(schema = @Schema(implementation = VerificationRequest.class)))
    public CodeSent startVerification(@PathVariable String accountId,
                                      @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        VerificationRequest request = validation.read(body, VerificationRequest.class, checks -> {
            String number = checks.request().bankCardNumber();
            if (number != null && !number.isBlank() && !BankCardNumber.isValid(number)) {
                checks.fail("bankCardNumber", "must be 16 to 19 digits with a valid check digit");
            }
        });
        String sentTo = commands.send(new StartVerification(accountId, request.bankCardNumber()));
        return new CodeSent(accountId, sentTo, OneTimeCodes.VALID_FOR.toSeconds());
    }

    @PostMapping("/{accountId}/verification/confirm")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Real-name verification, step 2: the code verifies the account (AccountVerified)",
            description = "422 CODE_WRONG (with the attempts left), CODE_SPENT, CODE_EXPIRED or NO_CODE_PENDING; "
                    + "429 with Retry-After when too many codes were entered for the account or from the client.")
    @RequestBody(content = @Content(schema = @Schema(implementation = CodeRequest.class)))
    public AccountStatus confirmVerification(@PathVariable String accountId,
                                             @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        CodeRequest request = validation.read(body, CodeRequest.class, checks -> { });
        commands.send(new ConfirmVerification(accountId, request.code()));
        return new AccountStatus(accountId, "VERIFIED");
    }

    @PostMapping("/{accountId}/contact-changes")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Change the mobile number and/or email: a code goes to the new contact (to the new mobile "
            + "when both change)", description = "409 ALREADY_REGISTERED if another account holds it; 422 "
            + "CONTACT_UNCHANGED; 429 with Retry-After when too many codes were requested.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ContactChangeRequest.class)))
    public CodeSent startContactChange(@PathVariable String accountId,
                                       @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        ContactChangeRequest request = validation.read(body, ContactChangeRequest.class, checks -> {
            if (checks.request().mobile() == null && checks.request().email() == null) {
                checks.fail("mobile", "name a new mobile number or a new email");
            }
        });
        String email = request.email() == null ? null : request.email().trim();
        commands.send(new StartContactChange(accountId, request.mobile(), email));
        String sentTo = request.mobile() != null ? PersonalDataMasking.maskMobile(request.mobile())
                : PersonalDataMasking.maskEmail(email);
        return new CodeSent(accountId, sentTo, OneTimeCodes.VALID_FOR.toSeconds());
    }

    @PostMapping("/{accountId}/contact-changes/confirm")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "The code sent to the new contact makes it the account's (ContactChanged); the customer "
            + "logs in with the new mobile or email from now on",
            description = "422 CODE_WRONG, CODE_SPENT, CODE_EXPIRED or NO_CODE_PENDING; 409 ALREADY_REGISTERED if "
                    + "another account took the value meanwhile; 429 with Retry-After.")
    @RequestBody(content = @Content(schema = @Schema(implementation = CodeRequest.class)))
    public AccountStatus confirmContactChange(@PathVariable String accountId,
                                              @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        CodeRequest request = validation.read(body, CodeRequest.class, checks -> { });
        commands.send(new ConfirmContactChange(accountId, request.code()));
        return new AccountStatus(accountId, "CONTACT_CHANGED");
    }

    @PostMapping("/{accountId}/password")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "The customer changes their own password (PasswordChanged, without the password)",
            description = "422 PASSWORD_WRONG if the current password is wrong (it counts as a failed login); 400 "
                    + "if the new one breaks the password policy. Only for customers who log in with a mobile "
                    + "number or email; another account answers 404.")
    @RequestBody(content = @Content(schema = @Schema(implementation = PasswordChangeRequest.class)))
    public void changePassword(@PathVariable String accountId,
                               @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        if (!accountId.equals(commands.caller().login())) {
            throw new UnknownObject("account", accountId);
        }
        PasswordChangeRequest request = validation.read(body, PasswordChangeRequest.class, checks -> {
            if (checks.request().newPassword() != null) {
                PasswordPolicy.problems(checks.request().newPassword()).forEach(reason -> checks.fail("newPassword", reason));
            }
        });
        passwords.change(accountId, request.currentPassword(), request.newPassword(), commands.metadata());
    }

    @PostMapping("/password-resets")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Forgot the password, or locked out: a reset code goes to the login (mobile or email) "
            + "if an account uses it; the answer is the same either way (no login needed)",
            description = "429 with Retry-After when too many codes were requested for the login or from the client.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ResetRequest.class)))
    public Map<String, Object> requestReset(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ResetRequest request = validation.read(body, ResetRequest.class, checks -> { });
        passwords.requestReset(request.login(), http.getRemoteAddr());
        return Map.of("status", "IF_THE_LOGIN_EXISTS_A_CODE_WAS_SENT", "expiresInSeconds",
                OneTimeCodes.VALID_FOR.toSeconds());
    }

    @PostMapping("/password-resets/confirm")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "The reset code sets a new password and lifts a lock from failed logins (PasswordChanged, "
            + "AccountUnlocked); no login needed",
            description = "422 CODE_WRONG, CODE_SPENT, CODE_EXPIRED or NO_CODE_PENDING; 400 if the new password "
                    + "breaks the policy; 429 with Retry-After.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ResetConfirmation.class)))
    public void reset(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ResetConfirmation request = validation.read(body, ResetConfirmation.class, checks -> {
            if (checks.request().newPassword() != null) {
                PasswordPolicy.problems(checks.request().newPassword()).forEach(reason -> checks.fail("newPassword", reason));
            }
        });
        passwords.reset(request.login(), request.code(), request.newPassword(), http.getRemoteAddr(),
                commands.metadata());
    }

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

    @DeleteMapping("/{accountId}/auto-debit")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Revoke the premium auto-debit authorization (AutoDebitRevoked); 422 NO_AUTO_DEBIT if none")
    public void revokeAutoDebit(@PathVariable String accountId) {
        Ids.requireKnownFormat("account", accountId);
        commands.send(new RevokeAutoDebit(accountId));
    }
}
