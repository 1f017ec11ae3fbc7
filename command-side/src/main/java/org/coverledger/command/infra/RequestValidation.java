package org.coverledger.command.infra;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.coverledger.command.infra.ProblemResponses.FieldProblem;
import org.springframework.stereotype.Component;

/**
 * Reads a JSON request body into its request record field by field, then checks the field
 * constraints and the cross-field rules, so that the caller learns of every bad field in one
 * answer: a wrong type in one field does not hide a missing value in another.
 */
@Component
public class RequestValidation {

    private final Validator validator;
    private final ObjectMapper json;

    public RequestValidation(Validator validator, ObjectMapper json) {
        this.validator = validator;
        this.json = json;
    }

    /** The body as a {@code type}, or {@link InvalidRequest} listing every bad field. */
    public <T extends Record> T read(JsonNode body, Class<T> type, Consumer<Checks<T>> crossFieldRules) {
        if (body == null || !body.isObject()) {
            throw new InvalidRequest(List.of(new FieldProblem("body", "must be a JSON object")));
        }
        List<FieldProblem> problems = new ArrayList<>();
        RecordComponent[] components = type.getRecordComponents();
        Set<String> known = Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.toSet());
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add(new FieldProblem(name, "is not a known field"));
            }
        }
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = convert(body.get(components[i].getName()), components[i], problems);
        }
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        T request = construct(type, components, values);
        for (ConstraintViolation<T> violation : validator.validate(request)) {
            problems.add(new FieldProblem(violation.getPropertyPath().toString(), violation.getMessage()));
        }
        crossFieldRules.accept(new Checks<>(request, problems));
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        return request;
    }

    public <T extends Record> T read(JsonNode body, Class<T> type) {
        return read(body, type, checks -> { });
    }

    /** The request read so far, and the list a cross-field rule adds its findings to. */
    public record Checks<T>(T request, List<FieldProblem> problems) {
        public void fail(String field, String reason) {
            problems.add(new FieldProblem(field, reason));
        }
    }

    private Object convert(JsonNode value, RecordComponent component, List<FieldProblem> problems) {
        if (value == null || value.isNull()) {
            return null;
        }
        JavaType target = json.getTypeFactory().constructType(component.getGenericType());
        try {
            return json.readerFor(target).readValue(value);
        } catch (Exception e) {
            Class<?> raw = target.getRawClass();
            String reason = raw.isEnum() ? "must be one of " + Arrays.toString(raw.getEnumConstants())
                    : "has the wrong format for " + describe(raw);
            problems.add(new FieldProblem(component.getName(), reason));
            return null;
        }
    }

    private static String describe(Class<?> type) {
        return switch (type.getSimpleName()) {
            case "LocalDate" -> "a date (YYYY-MM-DD)";
            case "BigDecimal" -> "a decimal amount such as \"1200.00\"";
            case "List" -> "a list";
            default -> "a " + type.getSimpleName().toLowerCase();
        };
    }

    private static <T> T construct(Class<T> type, RecordComponent[] components, Object[] values) {
        try {
            Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
            Constructor<T> constructor = type.getDeclaredConstructor(types);
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            throw new InvalidRequest(List.of(new FieldProblem("body", String.valueOf(e.getCause().getMessage()))));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("request type " + type + " is not a readable record", e);
        }
    }

    private static InvalidRequest invalid(List<FieldProblem> problems) {
        problems.sort(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::reason));
        return new InvalidRequest(problems);
    }
}
