package org.coverledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.axonframework.serialization.Revision;
import org.junit.jupiter.api.Test;

/**
 * Every event is checked for fields that look personal: such a field must be marked
 * {@link PersonalData} (so new events are sealed by the same mechanism), and an event with
 * personal data must name its {@link DataSubject}.
 */
class PersonalDataMarkingTest {

    /** Field names that carry a person's data, wherever they appear. */
    private static final Pattern LOOKS_PERSONAL = Pattern.compile(
            "(?i).*(name|nationalid|idnumber|mobile|phone|email|cardnumber|address|beneficiary|insured|description|note|birth).*");

    /** Fields whose names match but hold no personal data, each with its reason. */
    private static final List<String> NOT_PERSONAL = List.of(
            "sumInsured", // an amount of money
            "policyNumber", // the insurer's number for a policy
            "insuredAge"); // a number of years, kept for pricing; who it belongs to (name, ID) is sealed

    private final List<Class<?>> messages = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.coverledger.events").stream()
            .map(JavaClass::reflect)
            .filter(Class::isRecord)
            .toList();

    /**
     * The events: records with a revision, and every record of an API class (PolicyApi, QuoteApi,
     * ...) that is not a command (a command names its aggregate with @TargetAggregateIdentifier)
     * nor a value inside one, so that an event added without a revision is checked too.
     */
    private final List<Class<?>> events = messages.stream().filter(c -> c.isAnnotationPresent(Revision.class)
            || c.getEnclosingClass() != null && c.getEnclosingClass().getSimpleName().endsWith("Api")
            && java.util.Arrays.stream(c.getRecordComponents()).noneMatch(rc -> rc.getAccessor().isAnnotationPresent(
                    org.axonframework.modelling.command.TargetAggregateIdentifier.class)
                    || java.util.Arrays.stream(c.getDeclaredFields()).anyMatch(f -> f.getName().equals(rc.getName())
                    && f.isAnnotationPresent(org.axonframework.modelling.command.TargetAggregateIdentifier.class)))
            && java.util.Arrays.stream(c.getRecordComponents()).anyMatch(rc -> rc.getName().equals("accountId")
                    || rc.getName().endsWith("Id") && !rc.getName().equals("cardId"))).toList();

    @Test
    void there_are_events_to_check() {
        assertThat(events).contains(org.coverledger.events.account.AccountApi.AccountRegistered.class,
                        org.coverledger.events.policy.QuoteApi.QuoteDeclined.class,
                        org.coverledger.events.policy.PolicyApi.ReinstatementReferred.class)
                .doesNotContain(org.coverledger.events.policy.QuoteApi.RequestQuote.class,
                        org.coverledger.events.policy.PolicyApi.ChangePolicy.class)
                .allMatch(Class::isRecord);
    }

    @Test
    void every_field_that_looks_personal_is_marked() {
        List<String> unmarked = new ArrayList<>();
        for (Class<?> event : events) {
            for (RecordComponent field : event.getRecordComponents()) {
                if (LOOKS_PERSONAL.matcher(field.getName()).matches() && !NOT_PERSONAL.contains(field.getName())
                        && !field.isAnnotationPresent(PersonalData.class)) {
                    unmarked.add(event.getSimpleName() + "." + field.getName());
                }
            }
        }
        assertThat(unmarked).as("event fields that look personal but are not marked @PersonalData").isEmpty();
    }

    /** Records print all their fields by default; a command or event with personal data must not end up in a log. */
    @Test
    void every_message_with_personal_data_prints_without_it() throws Exception {
        List<String> printed = new ArrayList<>();
        for (Class<?> message : messages) {
            String text = instance(message).toString();
            for (RecordComponent component : message.getRecordComponents()) {
                if (component.getType() == String.class && LOOKS_PERSONAL.matcher(component.getName()).matches()
                        && !NOT_PERSONAL.contains(component.getName()) && text.contains(sampleText(component))) {
                    printed.add(message.getSimpleName() + "." + component.getName());
                }
            }
        }
        assertThat(printed).as("personal fields that toString prints").isEmpty();
    }

    private static String sampleText(RecordComponent component) {
        return "sample-" + component.getName();
    }

    /** A record with a sample for every field: its text fields say their own names. */
    private static Object instance(Class<?> record) throws ReflectiveOperationException {
        RecordComponent[] components = record.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = sample(components[i]);
        }
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        var constructor = record.getDeclaredConstructor(types);
        constructor.setAccessible(true);
        return constructor.newInstance(values);
    }

    private static Object sample(RecordComponent component) throws ReflectiveOperationException {
        Class<?> type = component.getType();
        if (type.isRecord()) {
            return instance(type);
        }
        if (type == java.math.BigDecimal.class) {
            return java.math.BigDecimal.ONE;
        }
        if (type == String.class) {
            return sampleText(component);
        }
        if (type == int.class || type == long.class) {
            return type == int.class ? (Object) 0 : (Object) 0L;
        }
        if (type == boolean.class) {
            return false;
        }
        if (List.class.isAssignableFrom(type)) {
            return List.of();
        }
        if (java.util.Set.class.isAssignableFrom(type)) {
            return java.util.Set.of();
        }
        if (java.util.Map.class.isAssignableFrom(type)) {
            return java.util.Map.of();
        }
        return null;
    }

    @Test
    void personal_data_is_text_and_every_event_with_some_names_one_data_subject() {
        for (Class<?> event : events) {
            List<RecordComponent> personal = Arrays.stream(event.getRecordComponents())
                    .filter(c -> c.isAnnotationPresent(PersonalData.class)).toList();
            List<RecordComponent> subjects = Arrays.stream(event.getRecordComponents())
                    .filter(c -> c.isAnnotationPresent(DataSubject.class)).toList();
            assertThat(personal).as(event.getSimpleName()).allMatch(c -> c.getType() == String.class);
            if (!personal.isEmpty()) {
                assertThat(subjects).as(event.getSimpleName() + " data subject").singleElement()
                        .matches(c -> c.getType() == String.class);
            }
        }
    }
}
