package org.coverledger.query.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.platform.Paging;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.mongodb.core.MongoTemplate;

/**
 * A customer's own list read through their holder document answers exactly what the scan of
 * every view answers, for random books, filters, sorts and pages; views recorded before the
 * holder documents are indexed once.
 */
class PolicyHoldersTest {

    private final ProjectionTestMongo server = new ProjectionTestMongo();
    private final MongoTemplate mongo = server.template();

    @AfterEach
    void stop() {
        server.close();
    }

    private static final String[] HOLDERS = {"acc-a", "acc-b", "acc-c"};

    private void issue(PolicyProjection projection, Random random, int policies) {
        for (int i = 0; i < policies; i++) {
            String holder = HOLDERS[random.nextInt(HOLDERS.length)];
            LocalDate start = LocalDate.parse("2027-01-01").plusDays(random.nextInt(5)); // ties, on purpose
            PolicyIssued issued = new PolicyIssued("pol-" + i, String.format("PN20261206%010X", random.nextInt(1 << 20)),
                    holder, holder, Product.values()[random.nextInt(Product.values().length)],
                    new Money(new BigDecimal("500000.00"), "CNY"),
                    new Money(new BigDecimal(100 + random.nextInt(5) + ".00"), "CNY"), start, start.plusYears(1).minusDays(1),
                    null, null, null, null, null, null);
            projection.on(issued, 0, Instant.parse("2026-12-01T00:00:00Z").plusSeconds(random.nextInt(4)));
        }
    }

    private PolicyQueryController controller(PolicyHolders holders) {
        return new PolicyQueryController(mongo, null, "Asia/Shanghai", Clock.systemUTC(), null, holders);
    }

    @Test
    void a_customers_list_by_their_holder_document_equals_the_scan_of_every_view() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        PolicyHolders holders = new PolicyHolders(mongo);
        holders.indexAll(); // nothing older to index
        PolicyProjection projection = new PolicyProjection(mongo);
        projection.setHolders(holders);
        Random random = new Random(17);
        issue(projection, random, 90);
        PolicyHolders scanning = new PolicyHolders(mongo) {
            @Override
            Optional<List<String>> policiesOf(String holder) {
                return Optional.empty();
            }
        };
        PolicyQueryController keyed = controller(holders);
        PolicyQueryController scanned = controller(scanning);
        List<String> sorts = List.of("issuedAt", "-issuedAt", "startDate", "-startDate", "endDate", "policyNumber",
                "-policyNumber", "premium", "-premium");
        for (int i = 0; i < 150; i++) {
            Caller customer = new Caller(HOLDERS[random.nextInt(HOLDERS.length)],
                    java.util.Set.of(org.coverledger.events.common.Role.CUSTOMER));
            String product = random.nextInt(3) == 0 ? Product.values()[random.nextInt(Product.values().length)].name() : null;
            String startFrom = random.nextInt(3) == 0 ? "2027-01-0" + (1 + random.nextInt(5)) : null;
            String endTo = random.nextInt(4) == 0 ? "2027-12-3" + random.nextInt(2) : null;
            String sort = random.nextBoolean() ? sorts.get(random.nextInt(sorts.size())) : null;
            int page = random.nextInt(3);
            int size = 1 + random.nextInt(12);
            Paging.Page<PolicyQueryController.PolicySummary> expected = scanned.list(null, product, null, null, null,
                    startFrom, null, null, endTo, sort, page, size, customer);
            Paging.Page<PolicyQueryController.PolicySummary> actual = keyed.list(null, product, null, null, null,
                    startFrom, null, null, endTo, sort, page, size, customer);
            assertThat(actual).as(customer.login() + " " + product + " " + startFrom + " " + endTo + " " + sort + " "
                    + page + "/" + size).isEqualTo(expected);
        }
    }

    /**
     * Staff's list (sorted by the server) and a customer's (sorted here) order premiums and sums
     * insured as numbers, premiums of two to five digits mixed, including after a change (an
     * update, not an insert, writes the new sum insured and premium).
     */
    @Test
    void premiums_sort_as_numbers_on_the_server_and_here() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        PolicyHolders holders = new PolicyHolders(mongo);
        holders.indexAll();
        PolicyProjection projection = new PolicyProjection(mongo);
        projection.setHolders(holders);
        String[] premiums = {"95.00", "1000.00", "120.50", "20000.00", "9.90", "300.00"};
        for (int i = 0; i < premiums.length; i++) {
            projection.on(new PolicyIssued("pol-" + i, String.format("PN20261206%010X", i), "acc-a", "acc-a",
                    Product.HEALTH, new Money(new BigDecimal("500000.00"), "CNY"), new Money(new BigDecimal(premiums[i]),
                    "CNY"), LocalDate.parse("2027-01-01"), LocalDate.parse("2027-12-31"), null, null, null, null, null,
                    null), 0, Instant.parse("2026-12-01T00:00:00Z").plusSeconds(i));
        }
        projection.on(new org.coverledger.events.policy.PolicyApi.PolicyChangeApproved("pol-0", "acc-a", "chg-1",
                new Money(new BigDecimal("80000.00"), "CNY"), Instant.parse("2027-01-31T16:00:00Z"),
                LocalDate.parse("2027-02-01"), new Money(new BigDecimal("1500.00"), "CNY"),
                new Money(new BigDecimal("10.00"), "CNY"), null, null, "uma", Instant.parse("2027-01-15T00:00:00Z")), 1);
        Caller staff = new Caller("uma", java.util.Set.of(org.coverledger.events.common.Role.UNDERWRITER));
        Caller customer = new Caller("acc-a", java.util.Set.of(org.coverledger.events.common.Role.CUSTOMER));
        for (Caller caller : List.of(staff, customer)) {
            List<String> shown = controller(holders).list(null, null, null, null, null, null, null, null, null, "premium",
                    0, 20, caller).items().stream().map(p -> p.premium().toPlainString()).toList();
            assertThat(shown).as(caller.login()).containsExactly("9.90", "120.50", "300.00", "1000.00", "1500.00",
                    "20000.00");
        }
        org.bson.Document stored = mongo.getCollection(mongo.getCollectionName(PolicyView.class))
                .find(new org.bson.Document("_id", "pol-0")).first();
        assertThat(stored.get("premium")).as("changed by an update").isInstanceOf(org.bson.types.Decimal128.class);
        assertThat(stored.get("sumInsured")).isEqualTo(new org.bson.types.Decimal128(new BigDecimal("80000.00")));
    }

    @Test
    void views_recorded_before_the_holder_documents_are_indexed_once() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        issue(new PolicyProjection(mongo), new Random(18), 30); // no holder documents written
        PolicyHolders holders = new PolicyHolders(mongo);
        assertThat(holders.policiesOf("acc-a")).as("until indexed, the list scans").isEmpty();
        holders.indexAll();
        List<String> indexed = new PolicyHolders(mongo).policiesOf("acc-a").orElseThrow();
        assertThat(indexed).containsExactlyInAnyOrderElementsOf(mongo.findAll(PolicyView.class).stream()
                .filter(v -> v.policyholder().equals("acc-a")).map(PolicyView::policyId).toList()).isNotEmpty();
    }
}
