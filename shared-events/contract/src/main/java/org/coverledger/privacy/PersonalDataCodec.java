package org.coverledger.privacy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.ContextAttributes;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/**
 * How {@link PersonalData} fields are written and read by the event serializer: sealed under
 * the key of the event's {@link DataSubject} on the way out, opened on the way in. Only an
 * object mapper given the key store by {@link #protect} can write an event with personal data;
 * any other refuses rather than write it in the clear.
 */
public final class PersonalDataCodec {

    private static final Object KEYS = PersonalDataSeal.class;

    private static final ClassValue<Field> SUBJECT = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> type) {
            List<Field> subjects = Arrays.stream(type.getDeclaredFields())
                    .filter(f -> f.isAnnotationPresent(DataSubject.class)).toList();
            if (subjects.size() != 1 || subjects.get(0).getType() != String.class) {
                throw new IllegalStateException(type.getName()
                        + " has personal data, so it needs exactly one text field marked @DataSubject");
            }
            subjects.get(0).setAccessible(true);
            return subjects.get(0);
        }
    };

    private PersonalDataCodec() {
    }

    /** The mapper seals and opens personal data with these keys. */
    public static ObjectMapper protect(ObjectMapper mapper, PersonalDataSeal keys) {
        return mapper.setDefaultAttributes(ContextAttributes.getEmpty().withSharedAttribute(KEYS, keys));
    }

    /** The data subject named by an event (or aggregate snapshot) that carries personal data. */
    public static String subjectOf(Object carrier) {
        try {
            return (String) SUBJECT.get(carrier.getClass()).get(carrier);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    public static final class Sealer extends StdSerializer<String> {

        public Sealer() {
            super(String.class);
        }

        @Override
        public void serialize(String value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            PersonalDataSeal keys = (PersonalDataSeal) provider.getAttribute(KEYS);
            if (keys == null) {
                throw new IllegalStateException("personal data may only be written by the event serializer, sealed");
            }
            String subject = subjectOf(gen.currentValue());
            gen.writeString(subject == null ? PersonalDataSeal.WITHHELD : keys.seal(subject, value));
        }
    }

    public static final class Opener extends StdDeserializer<String> {

        public Opener() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String stored = parser.getValueAsString();
            PersonalDataSeal keys = (PersonalDataSeal) context.getAttribute(KEYS);
            if (keys == null) {
                throw new IllegalStateException("personal data may only be read by the event serializer");
            }
            return keys.open(stored);
        }
    }
}
