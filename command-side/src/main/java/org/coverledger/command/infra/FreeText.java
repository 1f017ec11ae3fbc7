package org.coverledger.command.infra;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A text field of a request that may span lines (a claim's description, a note): it may hold
 * line breaks and tabs. Every other text field is one line. No text field may hold other control
 * or format characters, or half a surrogate pair ({@link RequestValidation}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD})
public @interface FreeText {
}
