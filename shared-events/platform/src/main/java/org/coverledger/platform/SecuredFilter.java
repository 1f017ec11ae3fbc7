package org.coverledger.platform;

import jakarta.servlet.Filter;

/**
 * A filter that runs inside the security chain, after the caller is authenticated and around the
 * authorization decision: it sees who asks (the security context is set) and the answer,
 * refusals (401 for no login, 403) included. Make it a {@code OncePerRequestFilter}: as a bean it
 * is also registered with the servlet container, where it must then do nothing.
 */
public interface SecuredFilter extends Filter {
}
