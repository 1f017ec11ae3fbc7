package org.coverledger.platform;

import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.NoSuchMessageException;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.http.ProblemDetail;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The words of a Problem Details document in the caller's language, by {@code Accept-Language}:
 * Chinese (zh-CN) or English, from Spring's message source ({@code coverledger-problems*.properties}).
 * Only {@code title} and {@code detail} change; the {@code code} never does. A code without a
 * text keeps the detail it was given (an English sentence that may carry figures).
 */
public final class ProblemTexts {

    private static final List<Locale> SUPPORTED = List.of(Locale.ENGLISH, Locale.SIMPLIFIED_CHINESE);
    private static final ResourceBundleMessageSource TEXTS = new ResourceBundleMessageSource();

    static {
        TEXTS.setBasename("coverledger-problems");
        TEXTS.setDefaultEncoding("UTF-8");
        TEXTS.setFallbackToSystemLocale(false);
        // this class's own loader, not whichever thread's context loader asks first (a Tomcat thread of
        // an application already stopped, when several run in one JVM, as in the integration tests)
        TEXTS.setBundleClassLoader(ProblemTexts.class.getClassLoader());
    }

    private ProblemTexts() {
    }

    /** The caller's language: Chinese when Accept-Language prefers it, English otherwise. */
    public static Locale localeOf(HttpServletRequest request) {
        String accepted = request == null ? null : request.getHeader("Accept-Language");
        if (accepted == null || accepted.isBlank()) {
            return Locale.ENGLISH;
        }
        try {
            Locale chosen = Locale.lookup(Locale.LanguageRange.parse(accepted), SUPPORTED);
            return chosen == null ? Locale.ENGLISH : chosen;
        } catch (IllegalArgumentException malformed) {
            return Locale.ENGLISH;
        }
    }

    /** The request being answered on this thread, if there is one. */
    static HttpServletRequest currentRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? attributes.getRequest() : null;
    }

    /** Puts the problem's title and detail in the language; what has no text stays as it is. */
    public static ProblemDetail localize(ProblemDetail problem, Locale locale) {
        Object code = problem.getProperties() == null ? null : problem.getProperties().get("code");
        if (code == null) {
            return problem;
        }
        Object errors = problem.getProperties().get("errors");
        Object[] args = {errors instanceof List<?> list ? list.size() : 0};
        problem.setDetail(text("problem." + code, args, problem.getDetail(), locale));
        problem.setTitle(text("status." + problem.getStatus(), args, problem.getTitle(), locale));
        return problem;
    }

    /** The English text of a problem's code, from the bundle; the fallback when it has none. */
    static String english(String code, String fallback) {
        try {
            return TEXTS.getMessage("problem." + code, new Object[] {0}, Locale.ENGLISH);
        } catch (NoSuchMessageException none) {
            return fallback;
        }
    }

    private static String text(String key, Object[] args, String given, Locale locale) {
        if (given != null && !Locale.SIMPLIFIED_CHINESE.getLanguage().equals(locale.getLanguage())) {
            return given; // English: the sentence given, which may name the object or the figures
        }
        try {
            return TEXTS.getMessage(key, args, locale);
        } catch (NoSuchMessageException none) {
            return given;
        }
    }
}
