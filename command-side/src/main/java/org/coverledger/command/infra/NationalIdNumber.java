package org.coverledger.command.infra;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import org.coverledger.events.common.NationalId;

/**
 * An 18-character PRC resident ID with a valid check character (blank is left to
 * {@code @NotBlank}). A Bean Validation constraint, so that it is named beside every other bad
 * field of a request, format errors included.
 */
@Documented
@Constraint(validatedBy = NationalIdNumber.Check.class)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface NationalIdNumber {

    String message() default "must be an 18-character PRC resident ID with a valid check character";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Check implements ConstraintValidator<NationalIdNumber, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || value.isBlank() || NationalId.isValid(value);
        }
    }
}
