package org.coverledger.ops;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import java.nio.file.Path;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The two sides meet only in the event store. Of the shared modules, the contract carries neither
 * Spring nor MongoDB, the event store no Spring, and none of them knows either side. The modules
 * are read from their own build output, so every package a module holds is checked.
 */
class ArchitectureTest {

    private static final Path SHARED = Path.of("").toAbsolutePath().getParent().resolve("shared-events");

    private final JavaClasses classes = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.coverledger");

    private static JavaClasses module(String name) {
        return new ClassFileImporter().importPath(SHARED.resolve(name).resolve("target/classes"));
    }

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
    void identity_and_real_name_verification_are_services_the_account_uses_never_the_reverse() {
        noClasses().that().resideInAnyPackage("org.coverledger.command.identity..", "org.coverledger.command.verification..")
                .should().dependOnClassesThat().resideInAnyPackage("org.coverledger.command.account..",
                        "org.coverledger.command.demo..")
                .check(classes);
        noClasses().that().resideInAPackage("org.coverledger.command.identity..")
                .should().dependOnClassesThat().resideInAPackage("org.coverledger.command.verification..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.coverledger.command.demo..")
                .should().dependOnClassesThat().resideInAPackage("org.coverledger.command.demo..")
                .check(classes);
    }

    @Test
    void the_contract_depends_on_no_spring_no_mongodb_and_no_other_module() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "com.mongodb..",
                        "org.bson..", "org.coverledger.eventstore..", "org.coverledger.platform..",
                        "org.coverledger.identity..", "org.coverledger.command..", "org.coverledger.query..")
                .check(module("contract"));
    }

    @Test
    void the_event_store_depends_on_no_spring_and_on_neither_the_platform_nor_a_side() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..",
                        "org.coverledger.platform..", "org.coverledger.identity..", "org.coverledger.command..",
                        "org.coverledger.query..")
                .check(module("eventstore"));
    }

    @Test
    void the_platform_knows_neither_side() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.coverledger.command..",
                        "org.coverledger.query..")
                .check(module("platform"));
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
}
