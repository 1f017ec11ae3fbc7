package org.coverledger.command.account;

import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.common.NationalId;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
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
            @NotBlank @Pattern(regexp = "1[3-9]\\d{9}", message = "must be an 11-digit mainland mobile number") String mobile) {
    }

    public record Registered(String accountId) {
    }

    private final Commands commands;
    private final RequestValidation validation;

    public AccountController(Commands commands, RequestValidation validation) {
        this.commands = commands;
        this.validation = validation;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Register a customer account for the calling customer")
    @RequestBody(content = @Content(schema = @Schema(implementation = RegistrationRequest.class)))
    public Registered register(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        RegistrationRequest request = validation.read(body, RegistrationRequest.class, checks -> {
            String id = checks.request().nationalId();
            if (id != null && !id.isBlank() && !NationalId.isValid(id)) {
                checks.fail("nationalId", "must be an 18-character PRC resident ID with a valid check character");
            }
        });
        String accountId = UUID.randomUUID().toString();
        commands.send(new RegisterAccount(accountId, request.name().trim(), request.nationalId(), request.mobile()));
        return new Registered(accountId);
    }
}
