package org.coverledger.command.infra;

import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.InvalidRequest;
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
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.stereotype.Component;

/**
 * Reads a JSON request body into its request record field by field, then checks the field
 * constraints and the cross-field rules, so that the caller learns of every bad field in one
 * answer: a wrong type in one field does not hide a missing value in another.
 *
 * <p>Stricter than Jackson alone: a text holds no control or format characters (line breaks and
 * tabs only in {@link FreeText} fields) and no half of a surrogate pair; an amount is a decimal
 * string such as {@code "1200.00"}, never a number with an exponent, a sign, or spaces.
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
        Set<String> unreadable = new java.util.HashSet<>();
        for (int i = 0; i < components.length; i++) {
            int before = problems.size();
            values[i] = convert(body.get(components[i].getName()), components[i], problems);
            if (problems.size() > before) {
                unreadable.add(components[i].getName());
            }
        }
        T request;
        try {
            request = construct(type, components, values);
        } catch (InvalidRequest e) {
            if (problems.isEmpty()) {
                throw e;
            }
            throw invalid(problems); // a record that refuses a missing part: the format problems tell enough
        }
        // the constraints of the fields that could be read, so that one answer names every bad field
        for (ConstraintViolation<T> violation : validator.validate(request)) {
            String field = violation.getPropertyPath().toString();
            if (!unreadable.contains(field)) {
                problems.add(new FieldProblem(field, violation.getMessage()));
            }
        }
        if (unreadable.isEmpty()) {
            crossFieldRules.accept(new Checks<>(request, problems));
        }
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

    private static final java.util.regex.Pattern AMOUNT = java.util.regex.Pattern.compile(
            org.coverledger.events.common.Money.DECIMAL_TEXT);

    private Object convert(JsonNode value, RecordComponent component, List<FieldProblem> problems) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (component.getType() == java.math.BigDecimal.class
                && !(value.isTextual() && AMOUNT.matcher(value.textValue()).matches())) {
            problems.add(new FieldProblem(component.getName(), "has the wrong format for " + describe(java.math.BigDecimal.class)));
            return null;
        }
        String badText = badText(value, component.isAnnotationPresent(FreeText.class));
        if (badText != null) {
            problems.add(new FieldProblem(component.getName(), badText));
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

    /** Why a text (or a text inside a list or object) is refused, or null if it is not. */
    static String badText(JsonNode value, boolean freeText) {
        if (value.isTextual()) {
            return badText(value.textValue(), freeText);
        }
        if (value.isContainerNode()) {
            for (JsonNode element : value) {
                String reason = badText(element, freeText);
                if (reason != null) {
                    return reason;
                }
            }
        }
        return null;
    }

    static String badText(String text, boolean freeText) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                return "holds half of a surrogate pair (not valid Unicode text)";
            }
            if (freeText && (c == '\n' || c == '\r' || c == '\t')) {
                continue;
            }
            int category = Character.getType(c);
            if (category == Character.CONTROL || category == Character.FORMAT || c == '\uFFFE' || c == '\uFFFF') {
                return String.format("holds the control or format character U+%04X", (int) c);
            }
        }
        return null;
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
