package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;

/** What the policy benchmark drives: a running system on a movable clock, one customer, the raw driver. */
public final class BenchmarkAccess implements AutoCloseable {

    private final RunningSystem system;
    private final MovableClock clock;
    private final Customer customer;
    private final Api buyer;
    private final String card;
    private final String bearer; // a session's token, as the app holds one: no password hashing per request
    private org.springframework.context.ConfigurableApplicationContext second;

    private BenchmarkAccess(RunningSystem system, MovableClock clock) {
        this.system = system;
        this.clock = clock;
        this.customer = Customers.register(system, "Bench Mark");
        this.buyer = customer.command(system);
        this.card = Policies.card(buyer, customer.accountId());
        Reply session = buyer.post("/api/sessions", "");
        assertThat(session.status()).as(session.toString()).isEqualTo(201);
        this.bearer = "Bearer " + session.json().get("token").asText();
    }

    private Reply post(String path, String json) {
        return Api.at(system.commandUrl(), null).send("POST", path, json, "Content-Type", "application/json",
                "Authorization", bearer);
    }

    public static BenchmarkAccess start(Path data) throws IOException {
        MovableClock clock = new MovableClock();
        return new BenchmarkAccess(RunningSystem.startWith(data,
                List.of("--coverledger.timed-steps.poll-interval=100ms", "--coverledger.timed-steps.batch=200"), clock),
                clock);
    }

    public LocalDate today() {
        return clock.today();
    }

    public String mongoConnectionString() {
        return system.mongoConnectionString();
    }

    public String quote(LocalDate start) {
        Reply quoted = post("/api/quotes", Policies.quoteRequest(customer.accountId(), start));
        assertThat(quoted.status()).as(quoted.toString()).isEqualTo(201);
        return quoted.json().get("quoteId").asText();
    }

    public String purchase(String quoteId) {
        Reply bought = post("/api/quotes/" + quoteId + "/purchase",
                "{\"acceptedTermsVersion\":\"2026-11\",\"paymentCardId\":\"" + card + "\",\"paymentPlan\":\"ANNUAL\"}");
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        return bought.json().get("policyId").asText();
    }

    /** The raw driver's compare-and-set updates per second, one thread, on documents of its own. */
    public double rawUpdateRate(int updates) {
        try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            MongoCollection<Document> raw = client.getDatabase("bench-raw").getCollection("steps");
            for (int i = 0; i < updates; i++) {
                raw.insertOne(new Document("_id", i).append("state", "DUE"));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < updates; i++) {
                raw.updateOne(Filters.and(Filters.eq("_id", i), Filters.eq("state", "DUE")), Updates.set("state", "DONE"));
            }
            return updates / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Moves the clock to {@code at} and waits until the policies' start steps are DONE: the
     * seconds from the move to the last one.
     */
    public double fireAndWait(List<String> policyIds, Instant at) throws InterruptedException {
        try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            MongoCollection<Document> steps = client.getDatabase("coverledger").getCollection("timed_steps");
            // every step recorded first (the timetable processor is behind the purchases by a moment)
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (steps.countDocuments(Filters.and(Filters.in("target", policyIds), Filters.eq("kind", "policy-start")))
                    < policyIds.size()) {
                assertThat(System.nanoTime()).as("steps recorded").isLessThan(deadline);
                Thread.sleep(50);
            }
            long t0 = System.nanoTime();
            clock.moveTo(at);
            while (steps.countDocuments(Filters.and(Filters.in("target", policyIds), Filters.eq("kind", "policy-start"),
                    Filters.eq("state", "DONE"))) < policyIds.size()) {
                assertThat(System.nanoTime() - t0).as("steps fired").isLessThan(Duration.ofMinutes(10).toNanos());
                Thread.sleep(100);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    public void startSecondCommandSide() {
        second = system.startAnotherCommandSide();
    }

    public List<String> eventsOf(String aggregateId) {
        return PolicyLifecycleIT.eventsOf(system, aggregateId);
    }

    @Override
    public void close() {
        if (second != null) {
            second.close();
        }
        system.close();
    }
}
