package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.model.Filters;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The read-ahead cursor: every document once, in the query's order; closed early, its thread ends. */
class ReadAheadTest {

    private final TestStore store = new TestStore("read-ahead");

    @AfterEach
    void stop() {
        store.close();
    }

    private void seed(int count) {
        List<Document> documents = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            documents.add(new Document("_id", i).append("n", i));
        }
        store.commits.insertMany(documents);
    }

    @Test
    void every_document_comes_once_in_order_across_batches() {
        seed(2_501);
        List<Long> seen = new ArrayList<>();
        try (ReadAhead documents = new ReadAhead(store.commits.find())) {
            documents.forEachRemaining(d -> seen.add(d.getLong("n")));
        }
        assertThat(seen).hasSize(2_501);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
        try (ReadAhead none = new ReadAhead(store.commits.find(Filters.eq("n", -1L)))) {
            assertThat(none.hasNext()).isFalse();
            assertThatThrownBy(none::next).isInstanceOf(java.util.NoSuchElementException.class);
        }
    }

    @Test
    void closed_before_the_end_its_reading_thread_stops() {
        seed(10_000);
        try (ReadAhead documents = new ReadAhead(store.commits.find())) {
            assertThat(documents.next().getLong("n")).isZero();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("coverledger-read-ahead") && t.isAlive()));
    }
}
