package org.coverledger.privacy;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * Marks a text field of an event as personal data: it is stored encrypted with the key of the
 * event's {@link DataSubject}, and reads as {@link PersonalDataSeal#ERASED} once that key is erased.
 * New events are covered by marking their fields; {@code PersonalDataMarkingTest} fails the
 * build for an event field that looks personal and is not marked.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER,
        ElementType.ANNOTATION_TYPE})
@JacksonAnnotationsInside
@JsonSerialize(using = PersonalDataCodec.Sealer.class)
@JsonDeserialize(using = PersonalDataCodec.Opener.class)
public @interface PersonalData {
}
