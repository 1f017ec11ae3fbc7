package org.coverledger.command.notification;

import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.context.annotation.Profile;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * With the embedded default there is no SMS or email gateway: an admin reads the one-time codes
 * here to try the flows out. The profile {@code embedded} ({@code ops/run} sets it when it starts
 * the embedded MongoDB) is the only one that has this endpoint.
 */
@RestController
@Profile("embedded")
@RequestMapping("/api/admin/outbox")
@Tag(name = "Admin: outbox (embedded profile only)", description = "Notices waiting for a gateway, with their codes")
public class OutboxController {

    private final MongoOutbox outbox;

    public OutboxController(MongoOutbox outbox) {
        this.outbox = outbox;
    }

    @GetMapping
    @Operation(summary = "An account's latest notices, newest first, codes included (admin; embedded profile only)")
    public List<MongoOutbox.Entry> latest(@RequestParam String accountId) {
        try {
            java.util.UUID.fromString(accountId);
        } catch (IllegalArgumentException e) {
            throw new org.coverledger.platform.InvalidRequest(List.of(
                    new org.coverledger.platform.ProblemResponses.FieldProblem("accountId", "must be an account id")));
        }
        return outbox.latest(accountId, 20);
    }
}
