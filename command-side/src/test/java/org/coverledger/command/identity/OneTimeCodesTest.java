package org.coverledger.command.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import com.mongodb.client.MongoDatabase;
import org.coverledger.command.identity.OneTimeCodes.Accepted;
import org.coverledger.command.identity.OneTimeCodes.Check;
import org.coverledger.command.identity.OneTimeCodes.Expired;
import org.coverledger.command.identity.OneTimeCodes.NoneIssued;
import org.coverledger.command.identity.OneTimeCodes.Purpose;
import org.coverledger.command.identity.OneTimeCodes.Wrong;
import org.coverledger.command.support.TestMongo;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.Test;

/** One-time codes: five minutes, five attempts, used once, stored only as a keyed hash. */
class OneTimeCodesTest {

    private final MongoDatabase database = TestMongo.freshDatabase();
    private final Clock clock = Clock.fixed(Instant.parse("2026-03-10T02:00:00Z"), ZoneOffset.UTC);
    private final SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
    private final OneTimeCodes codes = new OneTimeCodes(database, keys, "pepper", clock);

    @Test
    void the_right_code_is_accepted_once_and_gives_back_what_it_confirms() {
        String code = codes.issue("acc-1", Purpose.CONTACT_CHANGE, Map.of("mobile", "13912345678"));

        assertThat(code).matches("\\d{6}");
        String stored = database.getCollection("one_time_codes").find().first().toJson();
        assertThat(stored).doesNotContain(code, "13912345678");
        assertThat(codes.check("acc-1", Purpose.CONTACT_CHANGE, code))
                .isEqualTo(new Accepted(Map.of("mobile", "13912345678")));
        assertThat(codes.check("acc-1", Purpose.CONTACT_CHANGE, code)).isInstanceOf(NoneIssued.class);
    }

    @Test
    void five_wrong_entries_spend_the_code() {
        String code = codes.issue("acc-1", Purpose.PASSWORD_RESET, Map.of());
        String wrong = code.equals("000000") ? "111111" : "000000";
        for (int left = 4; left >= 0; left--) {
            assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, wrong)).isEqualTo(new Wrong(left));
        }
        assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, code)).isInstanceOf(NoneIssued.class);
    }

    @Test
    void entries_without_the_ticket_the_code_was_issued_with_spend_nothing() {
        String code = codes.issue("acc-1", Purpose.PASSWORD_RESET, Map.of("ticket", "t-1"));
        for (int i = 0; i < 10; i++) {
            assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, "000000", Map.of("ticket", "t-2")))
                    .isInstanceOf(NoneIssued.class);
        }
        assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, code, Map.of("ticket", "t-2"))).isInstanceOf(NoneIssued.class);
        assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, code, Map.of("ticket", "t-1"))).isInstanceOf(Accepted.class);
    }

    @Test
    void a_code_expires_after_five_minutes() {
        String code = codes.issue("acc-1", Purpose.REAL_NAME_VERIFICATION, Map.of("cardNumber", "6222020000000000018"));
        OneTimeCodes fiveMinutesLater = new OneTimeCodes(database, keys, "pepper",
                Clock.offset(clock, Duration.ofMinutes(5)));
        assertThat(fiveMinutesLater.check("acc-1", Purpose.REAL_NAME_VERIFICATION, code)).isInstanceOf(Expired.class);
    }

    @Test
    void a_new_code_replaces_the_old_and_purposes_and_accounts_are_apart() {
        String first = codes.issue("acc-1", Purpose.PASSWORD_RESET, Map.of());
        String second = codes.issue("acc-1", Purpose.PASSWORD_RESET, Map.of());
        String other = codes.issue("acc-2", Purpose.PASSWORD_RESET, Map.of());

        if (!first.equals(second)) {
            assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, first)).isInstanceOf(Wrong.class);
        }
        assertThat(codes.check("acc-1", Purpose.CONTACT_CHANGE, second)).isInstanceOf(NoneIssued.class);
        assertThat(codes.check("acc-1", Purpose.PASSWORD_RESET, second)).isInstanceOf(Accepted.class);
        assertThat(codes.check("acc-2", Purpose.PASSWORD_RESET, other)).isInstanceOf(Accepted.class);
    }

    @Test
    void of_eight_racing_right_entries_one_is_accepted() throws Exception {
        String code = codes.issue("acc-1", Purpose.PASSWORD_RESET, Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Check>> entries = IntStream.range(0, 8)
                    .mapToObj(i -> (Callable<Check>) () -> codes.check("acc-1", Purpose.PASSWORD_RESET, code)).toList();
            List<Check> results = pool.invokeAll(entries).stream().map(OneTimeCodesTest::get).toList();
            assertThat(results.stream().filter(Accepted.class::isInstance)).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Check get(Future<Check> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
