package org.coverledger.platform;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The business-rule codes (HTTP 422) an operation may answer. The OpenAPI description lists
 * them as the only values its 422 answer's {@code code} takes, so that a client can rely on the
 * list and a test validating answers against the description fails on a code not listed.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface Refuses {

    String[] value();
}
