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
            "(?i).*(name|nationalid|idnumber|mobile|phone|email|cardnumber|address|beneficiary|insured|description|birth).*");

    /** Fields whose names match but hold no personal data, each with its reason. */
    private static final List<String> NOT_PERSONAL = List.of(
            "sumInsured", // an amount of money
            "policyNumber"); // the insurer's number for a policy

    private final List<Class<?>> events = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.coverledger.events").stream()
            .filter(c -> c.isAnnotatedWith(Revision.class))
            .map(JavaClass::reflect)
            .toList();

    @Test
    void there_are_events_to_check() {
        assertThat(events).contains(org.coverledger.events.account.AccountApi.AccountRegistered.class)
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
