package org.coverledger.command.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import jakarta.validation.Validation;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.coverledger.events.policy.Product;
import org.coverledger.platform.InvalidRequest;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.junit.jupiter.api.Test;

/** One answer names every bad field; texts and amounts are read strictly. */
class RequestValidationTest {

    record Purchase(@NotBlank @Size(max = 100) String name, @NotNull Product product,
                    @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal premium,
                    @NotNull LocalDate startDate, @FreeText String note) {
    }

    private final ObjectMapper json = JsonMapper.builder().findAndAddModules().build();
    private final RequestValidation validation = new RequestValidation(
            Validation.buildDefaultValidatorFactory().getValidator(), json);

    private List<FieldProblem> problems(String body) throws Exception {
        JsonNode tree = json.readTree(body);
        try {
            validation.read(tree, Purchase.class);
        } catch (InvalidRequest e) {
            return e.problems();
        }
        return List.of();
    }

    @Test
    void a_format_error_does_not_hide_the_other_bad_fields() throws Exception {
        List<FieldProblem> problems = problems("""
                {"name": "", "product": "BOAT", "premium": "abc", "startDate": "2027-13-01", "extra": 1}""");
        assertThat(problems).extracting(FieldProblem::field)
                .containsExactly("extra", "name", "premium", "product", "startDate");
    }

    @Test
    void control_and_format_characters_and_half_surrogates_are_refused_with_the_field_named() throws Exception {
        for (String name : List.of("Li\\u0000Lei", "Li\\nLei", "Li\\u202ELei", "Li\\ud800Lei", "Li\\udc00", "\\u001b[31mred")) {
            assertThat(problems("""
                    {"name": "%s", "product": "HEALTH", "premium": "12.00", "startDate": "2027-01-01"}""".formatted(name)))
                    .as(name).extracting(FieldProblem::field).containsExactly("name");
        }
        assertThat(problems("""
                {"name": "王小明 😀", "product": "HEALTH", "premium": "12.00", "startDate": "2027-01-01",
                 "note": "first line\\nsecond\\tline"}""")).as("pairs, Chinese and line breaks in free text").isEmpty();
        assertThat(problems("""
                {"name": "Li Lei", "product": "HEALTH", "premium": "12.00", "startDate": "2027-01-01",
                 "note": "bell\\u0007"}""")).extracting(FieldProblem::field).containsExactly("note");
    }

    @Test
    void amounts_are_plain_decimal_strings() throws Exception {
        for (String premium : List.of("\"1E+3\"", "\" 12.00 \"", "\"+12\"", "12.00", "\"12,00\"", "\"0x10\"", "\"\"")) {
            assertThat(problems("""
                    {"name": "Li Lei", "product": "HEALTH", "premium": %s, "startDate": "2027-01-01"}""".formatted(premium)))
                    .as(premium).extracting(FieldProblem::field).containsExactly("premium");
        }
        assertThat(problems("""
                {"name": "Li Lei", "product": "HEALTH", "premium": "1200.50", "startDate": "2027-01-01"}""")).isEmpty();
    }

    @Test
    void a_valid_body_reads_into_the_record() throws Exception {
        Purchase purchase = validation.read(json.readTree("""
                {"name": "Li Lei", "product": "HEALTH", "premium": "1200.50", "startDate": "2027-01-01"}"""),
                Purchase.class);
        assertThat(purchase.premium()).isEqualByComparingTo("1200.50");
        assertThatThrownBy(() -> validation.read(json.readTree("[1]"), Purchase.class)).isInstanceOf(InvalidRequest.class);
    }
}
