package org.coverledger.command.account;


import org.coverledger.platform.Refuses;
import org.coverledger.command.identity.OneTimeCodes;
import org.coverledger.command.identity.Passwords;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.coverledger.command.account.AccountController.AccountStatus;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.account.AccountApi.ConfirmContactChange;
import org.coverledger.events.account.AccountApi.ConfirmVerification;
import org.coverledger.events.account.AccountApi.StartContactChange;
import org.coverledger.events.account.AccountApi.StartVerification;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.common.BankCardNumber;
import org.coverledger.identity.PasswordPolicy;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/accounts")
@Tag(name = "Accounts: one-time codes", description = "Real-name verification, contact changes, passwords")
public class AccountCodesController {

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

    public record ResetStarted(String status,
                               @Schema(description = "send it back with the code; it is the same kind of answer "
                                       + "whether or not the login exists") String resetTicket,
                               long expiresInSeconds) {
    }

    public record ResetConfirmation(
            @NotBlank String login,
            @NotBlank String resetTicket,
            @NotBlank @Pattern(regexp = "\\d{6}", message = "must be the 6-digit code") String code,
            @NotBlank @Schema(description = "at least 8 characters with letters, digits and a special character",
                    accessMode = Schema.AccessMode.WRITE_ONLY) String newPassword) {
        @Override
        public String toString() {
            return "ResetConfirmation[hidden]";
        }
    }

    private final Commands commands;
    private final RequestValidation validation;
    private final Passwords passwords;
    private final HttpServletRequest http;

    public AccountCodesController(Commands commands, RequestValidation validation, Passwords passwords,
                                  HttpServletRequest http) {
        this.commands = commands;
        this.validation = validation;
        this.passwords = passwords;
        this.http = http;
    }

    @Refuses({"ACCOUNT_CLOSED", "ALREADY_VERIFIED", "BANK_RECORDS_MISMATCH"})
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

    @Refuses({"ACCOUNT_CLOSED", "ALREADY_VERIFIED", "CODE_WRONG", "CODE_SPENT", "CODE_EXPIRED", "NO_CODE_PENDING"})
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

    @Refuses({"ACCOUNT_CLOSED", "CONTACT_UNCHANGED"})
    @PostMapping("/{accountId}/contact-changes")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Change the mobile number or the email (one at a time): a code goes to the new contact",
            description = "409 ALREADY_REGISTERED if another account holds it; 422 CONTACT_UNCHANGED; 429 with "
                    + "Retry-After when too many codes were requested. Once confirmed, the old contact is told.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ContactChangeRequest.class)))
    public CodeSent startContactChange(@PathVariable String accountId,
                                       @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("account", accountId);
        ContactChangeRequest request = validation.read(body, ContactChangeRequest.class, checks -> {
            if (checks.request().mobile() == null && checks.request().email() == null) {
                checks.fail("mobile", "name a new mobile number or a new email");
            } else if (checks.request().mobile() != null && checks.request().email() != null) {
                checks.fail("email", "change the mobile number and the email one at a time");
            }
        });
        String email = request.email() == null ? null : request.email().trim();
        commands.send(new StartContactChange(accountId, request.mobile(), email));
        String sentTo = request.mobile() != null ? PersonalDataMasking.maskMobile(request.mobile())
                : PersonalDataMasking.maskEmail(email);
        return new CodeSent(accountId, sentTo, OneTimeCodes.VALID_FOR.toSeconds());
    }

    @Refuses({"ACCOUNT_CLOSED", "CODE_WRONG", "CODE_SPENT", "CODE_EXPIRED", "NO_CODE_PENDING"})
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

    @Refuses({"ACCOUNT_CLOSED", "PASSWORD_WRONG"})
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
    public ResetStarted requestReset(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ResetRequest request = validation.read(body, ResetRequest.class, checks -> { });
        String ticket = passwords.requestReset(request.login(), http.getRemoteAddr());
        return new ResetStarted("IF_THE_LOGIN_EXISTS_A_CODE_WAS_SENT", ticket, OneTimeCodes.VALID_FOR.toSeconds());
    }

    @Refuses({"CODE_INVALID"})
    @PostMapping("/password-resets/confirm")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "The reset code sets a new password and lifts a lock from failed logins (PasswordChanged, "
            + "AccountUnlocked); no login needed",
            description = "422 CODE_INVALID, the same whether the login exists or not (the code is wrong, used up "
                    + "or expired; 5 attempts per code); 400 if the new password breaks the policy; 429 with Retry-After.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ResetConfirmation.class)))
    public void reset(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ResetConfirmation request = validation.read(body, ResetConfirmation.class, checks -> {
            if (checks.request().newPassword() != null) {
                PasswordPolicy.problems(checks.request().newPassword()).forEach(reason -> checks.fail("newPassword", reason));
            }
        });
        passwords.reset(request.login(), request.resetTicket(), request.code(), request.newPassword(),
                http.getRemoteAddr(), commands.metadata());
    }
}
