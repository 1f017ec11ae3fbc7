package org.coverledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Personal data in events is sealed per data subject, and unreadable for good once the subject's key is erased. */
class PersonalDataTest {

    private static final AccountRegistered REGISTERED = new AccountRegistered("acc-1", "acc-1", "王小明",
            "110105194912310021", "13812345678", "xiaoming@example.com");

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;
    private final String masterKey = SubjectKeys.randomMasterKey();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T02:00:00Z"));

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("privacy-test");
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    private SubjectKeys keys() {
        return new SubjectKeys(database, masterKey, Duration.ofSeconds(30), clock);
    }

    @Test
    void personal_fields_are_stored_sealed_under_the_subjects_key_and_read_back_whole() {
        Serializer serializer = EventSerialization.serializer(keys());
        SerializedObject<String> stored = serializer.serialize(REGISTERED, String.class);

        assertThat(stored.getData()).doesNotContain("王小明", "110105194912310021", "13812345678", "xiaoming@example.com")
                .contains("\"accountId\":\"acc-1\"", "\"name\":\"pd1:acc-1:");
        // another process with the same master key reads it
        assertThat((Object) EventSerialization.serializer(keys()).deserialize(stored)).isEqualTo(REGISTERED);
        assertThat(database.getCollection("data_subject_keys").countDocuments()).isEqualTo(1);
    }

    @Test
    void after_erasure_the_personal_fields_read_as_erased_and_the_stored_event_is_unchanged() {
        SubjectKeys keys = keys();
        Serializer serializer = EventSerialization.serializer(keys);
        SerializedObject<String> registered = serializer.serialize(REGISTERED, String.class);
        SerializedObject<String> card = serializer.serialize(new CardBound("acc-1", "card-1", "6222021234567890128",
                Instant.parse("2026-03-10T02:00:00Z")), String.class);
        SerializedObject<String> otherSubject = serializer.serialize(new AccountRegistered("acc-2", "acc-2", "李四",
                "110105194912310021", "13912345678", "li@example.com"), String.class);
        String before = registered.getData();

        assertThat(keys.erase("acc-1")).isTrue();
        assertThat(keys.erase("acc-1")).isFalse();

        assertThat(registered.getData()).isEqualTo(before);
        assertThat((Object) serializer.deserialize(registered)).isEqualTo(new AccountRegistered("acc-1", "acc-1",
                SubjectKeys.ERASED, SubjectKeys.ERASED, SubjectKeys.ERASED, SubjectKeys.ERASED));
        assertThat(((CardBound) serializer.deserialize(card)).cardNumber()).isEqualTo(SubjectKeys.ERASED);
        assertThat(((AccountRegistered) serializer.deserialize(otherSubject)).name()).isEqualTo("李四");
    }

    @Test
    void another_process_sees_an_erasure_once_its_cached_key_expires() {
        SubjectKeys writer = keys();
        SubjectKeys reader = keys();
        SerializedObject<String> stored = EventSerialization.serializer(writer).serialize(REGISTERED, String.class);
        Serializer readerSerializer = EventSerialization.serializer(reader);
        assertThat(((AccountRegistered) readerSerializer.deserialize(stored)).name()).isEqualTo("王小明");

        writer.erase("acc-1");
        clock.advance(Duration.ofSeconds(31));

        assertThat(((AccountRegistered) readerSerializer.deserialize(stored)).name()).isEqualTo(SubjectKeys.ERASED);
    }

    @Test
    void an_erased_subject_gets_no_new_key_and_new_events_carry_no_personal_data() {
        SubjectKeys keys = keys();
        keys.erase("acc-1");

        String stored = EventSerialization.serializer(keys()).serialize(REGISTERED, String.class).getData();

        assertThat(stored).doesNotContain("王小明", "pd1:").contains("\"name\":\"[erased]\"");
        assertThat(database.getCollection("data_subject_keys").find().first()).doesNotContainKey("wrapped");
    }

    @Test
    void a_sealed_value_altered_or_moved_to_another_subject_is_refused() {
        SubjectKeys keys = keys();
        String sealed = keys.seal("acc-1", "13812345678");
        keys.seal("acc-2", "anything"); // acc-2 has a key too

        String moved = sealed.replace("pd1:acc-1:", "pd1:acc-2:");
        char last = sealed.charAt(sealed.length() - 1);
        String altered = sealed.substring(0, sealed.length() - 1) + (last == 'A' ? 'B' : 'A');

        assertThatThrownBy(() -> keys.open(moved)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> keys.open(altered)).isInstanceOf(IllegalStateException.class);
        assertThat(keys.open(sealed)).isEqualTo("13812345678");
    }

    @Test
    void a_key_lost_without_an_erasure_fails_loudly_instead_of_reading_as_erased() {
        String sealed = keys().seal("acc-1", "13812345678");
        database.getCollection("data_subject_keys").deleteMany(new org.bson.Document());

        assertThatThrownBy(() -> keys().open(sealed)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void keys_cannot_be_read_with_another_master_key() {
        String sealed = keys().seal("acc-1", "13812345678");
        SubjectKeys wrongMaster = new SubjectKeys(database, SubjectKeys.randomMasterKey());

        assertThatThrownBy(() -> wrongMaster.open(sealed)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("master key");
        assertThatThrownBy(() -> new SubjectKeys(database, "too-short"))
                .hasMessageContaining("32 random bytes");
    }

    @Test
    void writers_racing_to_create_a_subjects_first_key_agree_on_one() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<String>> sealers = IntStream.range(0, 8)
                    .mapToObj(i -> (Callable<String>) () -> keys().seal("acc-new", "value-" + i)).toList();
            List<String> sealed = pool.invokeAll(sealers).stream().map(PersonalDataTest::get).toList();

            SubjectKeys reader = keys();
            assertThat(sealed.stream().map(reader::open).toList())
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 8).mapToObj(i -> "value-" + i).toList());
            assertThat(database.getCollection("data_subject_keys").countDocuments()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void a_serializer_without_the_key_store_refuses_to_write_personal_data_in_the_clear() {
        assertThatThrownBy(() -> EventSerialization.serializer().serialize(REGISTERED, String.class))
                .hasStackTraceContaining("sealed");
        assertThat(database.getCollection("data_subject_keys").countDocuments()).isZero();
    }

    private static String get(Future<String> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
