package org.coverledger.command.infra;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.constraints.NotBlank;
import org.coverledger.command.account.LoginStep;
import org.coverledger.command.identity.DeviceNames;
import org.coverledger.command.identity.LoginChallenges;
import org.coverledger.events.account.LoginApi.AnswerLoginChallenge;
import org.coverledger.events.account.LoginApi.EndSession;
import org.coverledger.events.account.LoginApi.SessionEnd;
import org.coverledger.events.account.LoginApi.StartLogin;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.identity.AccessTokens;
import org.coverledger.platform.BearerTokens;
import org.coverledger.platform.InvalidRequest;
import org.coverledger.platform.Logins;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.Refuses;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/sessions")
@Tag(name = "Sessions", description = "Exchange a login for a bearer token that both sides accept; "
        + "customers pass a one-time code on a device they have not trusted")
public class SessionController {

    /** The header with the client app's own id for the device it runs on. */
    public static final String DEVICE_HEADER = "X-Device-Id";
    /** The header with the secret a trusted device was given. */
    public static final String DEVICE_TOKEN_HEADER = "X-Device-Token";
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

    public record Session(String token, String tokenType, String sessionId, Instant expiresAt,
                          @Schema(description = "the token ends at this time unless it is used before; "
                                  + "each use pushes it back") Instant idleUntil,
                          @Schema(description = "only when the device was just trusted: the secret the app keeps "
                                  + "and sends as X-Device-Token with each later login from this device, which then "
                                  + "needs no code; it is not shown again") String deviceToken) {
        @Override
        public String toString() {
            return "Session[" + sessionId + ", expires " + expiresAt + "]";
        }
    }

    public record Challenge(String challengeId, @Schema(example = "138****0001") String codeSentTo,
                            @Schema(example = "300") long expiresInSeconds) {
    }

    public record ChallengeAnswer(
            @NotBlank @jakarta.validation.constraints.Pattern(regexp = "\\d{6}", message = "must be the 6-digit code")
            String code,
            @Schema(description = "skip the code on this device for coverledger.identity.device-trust (180 days)")
            Boolean trustDevice) {
        @Override
        public String toString() {
            return "ChallengeAnswer[code hidden]";
        }
    }

    private final AccessTokens tokens;
    private final Commands commands;
    private final RequestValidation validation;
    private final LoginChallenges challenges;
    private final DeviceNames deviceNames;
    private final HttpServletRequest request;
    private final boolean twoFactor;

    public SessionController(AccessTokens tokens, Commands commands, RequestValidation validation,
                             LoginChallenges challenges, DeviceNames deviceNames, HttpServletRequest request,
                             @Value("${coverledger.identity.two-factor}") boolean twoFactor) {
        this.tokens = tokens;
        this.commands = commands;
        this.validation = validation;
        this.challenges = challenges;
        this.deviceNames = deviceNames;
        this.request = request;
        this.twoFactor = twoFactor;
    }

    @Refuses({"TOKEN_NEEDS_PASSWORD", "ACCOUNT_CLOSED", "DEVICE_ID_REQUIRED"})
    @PostMapping
    @Operation(summary = "Log in with HTTP Basic (login and password) and get a bearer token for both sides",
            description = "Send the token as `Authorization: Bearer <token>` to the command and the query side. "
                    + "It ends after coverledger.identity.token-idle (15 minutes) without use, at "
                    + "coverledger.identity.token-ttl (8 hours) in any case, on DELETE /api/sessions/current, when "
                    + "its session or device is removed, and for a customer on a password change or reset; it is "
                    + "refused while the account is locked or once it is closed.\n\n"
                    + "A customer (with two factors on, the default outside the embedded profile) names the device "
                    + "in `X-Device-Id`, an id the client app generates once and keeps. On a device the customer "
                    + "trusts (shown by its `X-Device-Token`) the token comes at once (201); otherwise the answer is "
                    + "202 with a challenge, a "
                    + "6-digit code goes by SMS to the account's mobile, and POST /api/sessions/challenges/{id} "
                    + "with the code gives the token. Staff get the token at once.",
            parameters = {
                    @Parameter(in = ParameterIn.HEADER, name = DEVICE_HEADER, required = false,
                            description = "the client app's own id for this device: 8-128 of A-Z a-z 0-9 . _ : -; "
                                    + "required of customers when two factors are on",
                            schema = @Schema(type = "string", pattern = "^[A-Za-z0-9._:-]{8,128}$")),
                    @Parameter(in = ParameterIn.HEADER, name = DEVICE_TOKEN_HEADER, required = false,
                            description = "the deviceToken this device was given when the customer trusted it; "
                                    + "without it (or with a wrong one) the device is asked for a code",
                            schema = @Schema(type = "string", maxLength = 128))},
            responses = {
                    @ApiResponse(responseCode = "201", description = "the session's token",
                            content = @Content(schema = @Schema(implementation = Session.class))),
                    @ApiResponse(responseCode = "202", description = "a code was sent; answer the challenge",
                            content = @Content(schema = @Schema(implementation = Challenge.class)))})
    public ResponseEntity<Object> logIn(HttpServletResponse response) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (!(auth.getPrincipal() instanceof UserDetails user)) {
            throw new BusinessRuleViolation("TOKEN_NEEDS_PASSWORD", "Log in with your password to get a new token.");
        }
        String deviceId = deviceId();
        AccessTokens.Origin origin = new AccessTokens.Origin(deviceId, deviceNames.of(request.getHeader("User-Agent")),
                PersonalDataMasking.maskAddress(request.getRemoteAddr()));
        List<String> roles = user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .map(role -> role.substring("ROLE_".length())).toList();
        String sessionId = UUID.randomUUID().toString();
        if (user instanceof Logins.Customer) {
            // a registered customer: the account decides (and records) whether the device needs a code
            String deviceToken = request.getHeader(DEVICE_TOKEN_HEADER);
            LoginStep step = commands.send(new StartLogin(user.getUsername(), sessionId, deviceId,
                    deviceToken == null || deviceToken.length() > 128 ? null : deviceToken, origin.deviceName(),
                    request.getRemoteAddr(), twoFactor));
            if (step instanceof LoginStep.Challenged challenged) {
                return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Challenge(challenged.challengeId(),
                        challenged.codeSentTo(), challenges.validFor().toSeconds()));
            }
        }
        return created(new AccessTokens.Holder(user.getUsername(), roles, user instanceof Logins.Customer), origin, sessionId,
                null);
    }

    @Refuses({"CODE_WRONG", "CODE_SPENT", "CODE_EXPIRED", "NO_CODE_PENDING", "ACCOUNT_CLOSED"})
    @PostMapping("/challenges/{challengeId}")
    @Operation(summary = "Answer a login challenge with the code the customer received; the session's token",
            description = "No other login is needed: the password was checked when the challenge was made. "
                    + "A wrong code answers 422 CODE_WRONG with the attempts left and is recorded on the account; "
                    + "the fifth ends the challenge (CODE_SPENT), and the customer logs in again. A challenge that "
                    + "ended, expired (5 minutes), was replaced by a newer login, or whose account was locked or "
                    + "changed its password since answers 404. Too many codes entered answers 429 "
                    + "TOO_MANY_CODE_ATTEMPTS. With trustDevice the answer carries a deviceToken for later logins.",
            responses = @ApiResponse(responseCode = "201", description = "the session's token",
                    content = @Content(schema = @Schema(implementation = Session.class))))
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = ChallengeAnswer.class)))
    public ResponseEntity<Object> answer(@PathVariable String challengeId,
                                         @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ChallengeAnswer answer = validation.read(body, ChallengeAnswer.class);
        String accountId = challenges.accountOf(challengeId)
                .orElseThrow(() -> new UnknownObject("login challenge", challengeId));
        String sessionId = UUID.randomUUID().toString();
        String deviceToken = Boolean.TRUE.equals(answer.trustDevice()) ? AccessTokens.newSecret() : null;
        LoginStep step = commands.sendOnBehalfOf(accountId, new AnswerLoginChallenge(accountId, challengeId,
                answer.code(), deviceToken, sessionId));
        if (step instanceof LoginStep.Refused refused) {
            throw new BusinessRuleViolation(refused.code(), refused.message());
        }
        LoginStep.Granted granted = (LoginStep.Granted) step;
        // the session is the challenged device's, whichever client sends the code
        AccessTokens.Origin origin = new AccessTokens.Origin(granted.deviceId(), granted.deviceName(),
                PersonalDataMasking.maskAddress(request.getRemoteAddr()));
        return created(new AccessTokens.Holder(accountId, List.of("CUSTOMER"), true), origin, sessionId, deviceToken);
    }

    private ResponseEntity<Object> created(AccessTokens.Holder holder, AccessTokens.Origin origin, String sessionId,
                                           String deviceToken) {
        AccessTokens.Issued issued = tokens.issue(holder, origin, sessionId);
        return ResponseEntity.status(HttpStatus.CREATED).body(new Session(issued.token(), "Bearer", issued.sessionId(),
                issued.expiresAt(), issued.idleUntil(), deviceToken));
    }

    @DeleteMapping("/current")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Log out: the bearer token of this request stops working, on both sides")
    public void logOut() {
        BearerTokens.of(request).ifPresent(token -> {
            Optional<AccessTokens.Holder> holder = tokens.find(token);
            Optional<String> session = tokens.sessionOf(token);
            try {
                if (holder.isPresent() && holder.get().customer() && session.isPresent()) {
                    // a registered customer's session ends in the token store and as an event of the account
                    commands.send(new EndSession(holder.get().login(), session.get(), SessionEnd.LOGGED_OUT));
                }
            } finally {
                tokens.revoke(token); // whatever else failed, the token is done
            }
        });
    }

    /** The device header, checked; required of a customer with two factors on (the account refuses without). */
    private String deviceId() {
        String deviceId = request.getHeader(DEVICE_HEADER);
        if (deviceId != null && !DEVICE_ID.matcher(deviceId).matches()) {
            throw new InvalidRequest(List.of(new FieldProblem(DEVICE_HEADER,
                    "must be 8-128 of A-Z a-z 0-9 . _ : -")));
        }
        return deviceId;
    }
}
