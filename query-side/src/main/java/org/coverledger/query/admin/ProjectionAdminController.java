package org.coverledger.query.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.query.infra.ProjectionRebuilds;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Projections (event processors) for operators: where each stands against the head of the
 * event store, how fast it moves, and a rebuild from zero that never serves a half-built view
 * (see {@link ProjectionRebuilds}).
 */
@RestController
@RequestMapping("/api/admin/projections")
@Tag(name = "Admin: projections", description = "Progress and rebuild of the read models (admin)")
public class ProjectionAdminController {

    /**
     * Where a projection stands. Position (the least advanced segment claimed here) and head are
     * global event indexes, -1 being "before the first"; replaying stays true after a rebuild
     * until an event newer than the rebuild arrives.
     */
    public record Progress(String name, boolean running, boolean replaying, int segmentsClaimedHere, long position,
                           long head, long behind, double eventsPerSecond, boolean caughtUp) {
    }

    private record Sample(long position, Instant at) {
    }

    private final EventProcessingConfiguration processing;
    private final EventStorageEngine store;
    private final Map<String, Sample> lastSamples = new ConcurrentHashMap<>();
    private final ProjectionRebuilds rebuilds;

    public ProjectionAdminController(EventProcessingConfiguration processing, EventStorageEngine store,
                                     ProjectionRebuilds rebuilds) {
        this.processing = processing;
        this.store = store;
        this.rebuilds = rebuilds;
    }

    @GetMapping
    @Operation(summary = "Every projection's position, the store's head and the events per second since the last look")
    public List<Progress> all() {
        List<Progress> all = new ArrayList<>();
        long head = ProjectionRebuilds.positionOf(store.createHeadToken());
        processing.eventProcessors().forEach((name, processor) -> {
            if (processor instanceof StreamingEventProcessor streaming) {
                all.add(progress(name, streaming, head));
            }
        });
        return all;
    }

    @GetMapping("/{name}")
    @Operation(summary = "One projection's progress")
    public Progress one(@PathVariable String name) {
        return progress(name, streaming(name), ProjectionRebuilds.positionOf(store.createHeadToken()));
    }

    @PostMapping("/{name}/rebuild")
    @ResponseStatus(HttpStatus.ACCEPTED) // as the answer sends it, so that the description says 202
    @Operation(summary = "Rebuild a projection from the first event into new collections while the live ones "
            + "keep serving; it is cut over once it has caught up with the store's head. Its progress shows under "
            + "GET .../rebuild")
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "202", description = "the rebuild, started", content = @io.swagger.v3.oas.annotations.media.Content(
            mediaType = "application/json", schema = @io.swagger.v3.oas.annotations.media.Schema(
            implementation = ProjectionRebuilds.Status.class)))
    public ResponseEntity<?> rebuild(@PathVariable String name) {
        streaming(name);
        try {
            return ResponseEntity.accepted().body(rebuilds.start(name));
        } catch (ProjectionRebuilds.Refused refused) {
            return conflict(refused.code(), refused.getMessage());
        }
    }

    @GetMapping("/{name}/rebuild")
    @Operation(summary = "The projection's running rebuild, or the last one made on this instance")
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the rebuild's progress", content = @io.swagger.v3.oas.annotations.media.Content(
            mediaType = "application/json", schema = @io.swagger.v3.oas.annotations.media.Schema(
            implementation = ProjectionRebuilds.Status.class)))
    public ResponseEntity<?> rebuildStatus(@PathVariable String name) {
        streaming(name);
        return rebuilds.status(name).<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> notFound("NO_REBUILD", "No rebuild of " + name + " has run on this instance."));
    }

    @DeleteMapping("/{name}/rebuild")
    @Operation(summary = "Abort the projection's rebuild: its new collections are dropped, the live ones never noticed")
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the rebuild, aborted", content = @io.swagger.v3.oas.annotations.media.Content(
            mediaType = "application/json", schema = @io.swagger.v3.oas.annotations.media.Schema(
            implementation = ProjectionRebuilds.Status.class)))
    public ResponseEntity<?> abortRebuild(@PathVariable String name) {
        streaming(name);
        try {
            return ResponseEntity.ok(rebuilds.abort(name));
        } catch (ProjectionRebuilds.Refused refused) {
            return conflict(refused.code(), refused.getMessage());
        }
    }

    private ResponseEntity<ProblemDetail> conflict(String code, String detail) {
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .body(org.coverledger.platform.ProblemResponses.problem(HttpStatus.CONFLICT, code, detail));
    }

    private ResponseEntity<ProblemDetail> notFound(String code, String detail) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND)
                .body(org.coverledger.platform.ProblemResponses.problem(HttpStatus.NOT_FOUND, code, detail));
    }

    private StreamingEventProcessor streaming(String name) {
        return processing.eventProcessor(name, StreamingEventProcessor.class)
                .orElseThrow(() -> new NotFound("projection", name));
    }

    private Progress progress(String name, StreamingEventProcessor processor, long head) {
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        long position = ProjectionRebuilds.slowest(status);
        boolean replaying = status.values().stream().anyMatch(EventTrackerStatus::isReplaying);
        // Axon calls a rebuilt processor "replaying" until an event newer than the rebuild arrives;
        // caught up here means every event in the store has been folded in
        boolean caughtUp = !status.isEmpty() && position >= head;
        Instant now = Instant.now();
        Sample previous = lastSamples.put(name, new Sample(position, now));
        double rate = 0;
        if (previous != null && position >= previous.position()) {
            double seconds = Duration.between(previous.at(), now).toNanos() / 1e9;
            rate = seconds > 0 ? (position - previous.position()) / seconds : 0;
        }
        return new Progress(name, processor.isRunning(), replaying, status.size(), position, head,
                Math.max(0, head - position), Math.round(rate * 10) / 10.0, caughtUp);
    }
}
