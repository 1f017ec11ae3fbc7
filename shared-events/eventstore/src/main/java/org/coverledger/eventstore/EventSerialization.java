package org.coverledger.eventstore;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.axonframework.serialization.json.JacksonSerializer;
import org.coverledger.privacy.PersonalDataCodec;
import org.coverledger.privacy.SubjectKeys;

/**
 * The one serializer configuration for events, snapshots, tokens and messages, shared by both
 * sides: what the command side writes the query side must read back byte for byte. Events and
 * snapshots go through the data subjects' keys, which seal their personal data.
 */
public final class EventSerialization {

    private EventSerialization() {
    }

    /** For messages without personal data (tracking tokens); writing personal data with it fails. */
    public static ObjectMapper objectMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                // Readers tolerate fields added by a newer writer; renamed or removed fields go
                // through an upcaster instead.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public static ObjectMapper objectMapper(SubjectKeys keys) {
        return PersonalDataCodec.protect(objectMapper(), keys);
    }

    /** For messages without personal data (tracking tokens); writing personal data with it fails. */
    public static JacksonSerializer serializer() {
        return JacksonSerializer.builder().objectMapper(objectMapper()).build();
    }

    public static JacksonSerializer serializer(SubjectKeys keys) {
        return JacksonSerializer.builder().objectMapper(objectMapper(keys)).build();
    }

    /**
     * Snapshots are aggregates, which keep their state in private fields without getters (state
     * changes only in event sourcing handlers), so their serializer reads and writes fields.
     */
    public static JacksonSerializer snapshotSerializer(SubjectKeys keys) {
        ObjectMapper mapper = objectMapper(keys)
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
        return JacksonSerializer.builder().objectMapper(mapper).build();
    }
}
