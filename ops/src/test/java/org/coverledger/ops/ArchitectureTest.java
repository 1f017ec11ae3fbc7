package org.coverledger.ops;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The two sides meet only in the event store; the shared contract carries no Spring. */
class ArchitectureTest {

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.coverledger");

    @Test
    void the_command_side_never_uses_the_query_side() {
        noClasses().that().resideInAPackage("org.coverledger.command..")
                .should().dependOnClassesThat().resideInAPackage("org.coverledger.query..")
                .check(classes);
    }

    @Test
    void the_query_side_never_uses_the_command_side() {
        noClasses().that().resideInAPackage("org.coverledger.query..")
                .should().dependOnClassesThat().resideInAPackage("org.coverledger.command..")
                .check(classes);
    }

    @Test
    void shared_events_depend_on_no_spring() {
        noClasses().that().resideInAnyPackage("org.coverledger.events..", "org.coverledger.eventstore..",
                        "org.coverledger.identity..")
                .should().dependOnClassesThat().resideInAPackage("org.springframework..")
                .check(classes);
    }

    @Test
    void the_audit_trail_is_append_only() {
        noClasses().that().resideInAPackage("org.coverledger.query.audit..")
                .should().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "a MongoTemplate or batched-write method that updates, replaces or deletes",
                        call -> call.getTargetOwner().isAssignableTo(org.springframework.data.mongodb.core.MongoOperations.class)
                                && call.getName().matches("update.*|upsert|remove.*|findAndModify|findAndRemove.*|findAllAndRemove|findAndReplace|replace|save|drop.*|bulkOps")
                                || call.getTargetOwner().getName().equals("org.coverledger.query.infra.BatchedWrites")
                                && call.getName().matches("update.*")))
                .check(classes);
    }

    @Test
    void shared_events_know_neither_side() {
        noClasses().that().resideInAnyPackage("org.coverledger.events..", "org.coverledger.eventstore..")
                .should().dependOnClassesThat().resideInAnyPackage("org.coverledger.command..", "org.coverledger.query..")
                .check(classes);
    }
}
