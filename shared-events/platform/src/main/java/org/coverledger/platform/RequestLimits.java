package org.coverledger.platform;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before anything reads them, request bodies larger than the limit (413; by their
 * Content-Length, or while they stream in when it is not given) and bodies whose Content-Type is
 * a wildcard or malformed (415): no parser ever sees them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class RequestLimits extends OncePerRequestFilter {

    /** A body grew past the limit while it was read. */
    public static final class BodyTooLarge extends IOException {
        public BodyTooLarge(long limit) {
            super("the request body is larger than " + limit + " bytes");
        }
    }

    private final ObjectMapper json;
    private final long maxBody;

    private final List<String> uploadPaths;
    private final long maxUpload;
    private final AntPathMatcher paths = new AntPathMatcher();

    /**
     * {@code uploadPaths} (Ant patterns, POST only) take bodies up to {@code maxUpload}: a file part
     * and its form, which their controller reads as a stream and limits itself.
     */
    public RequestLimits(ObjectMapper json, @Value("${coverledger.http.max-body-bytes:1048576}") long maxBody,
                         @Value("${coverledger.http.upload-paths:}") List<String> uploadPaths,
                         @Value("${coverledger.http.max-upload-bytes:11534336}") long maxUpload) {
        this.json = json;
        this.maxBody = maxBody;
        this.uploadPaths = uploadPaths.stream().filter(p -> !p.isBlank()).toList();
        this.maxUpload = maxUpload;
    }

    private long limitOf(HttpServletRequest request) {
        if ("POST".equals(request.getMethod())) {
            for (String pattern : uploadPaths) {
                if (paths.match(pattern, request.getRequestURI())) {
                    return maxUpload;
                }
            }
        }
        return maxBody;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = limitOf(request);
        if (request.getContentLengthLong() > limit) {
            SecurityConfiguration.writeProblem(json, request, response, HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE",
                    "The request body is larger than " + limit + " bytes.");
            return;
        }
        String contentType = request.getContentType();
        if (contentType != null && !acceptable(contentType)) {
            SecurityConfiguration.writeProblem(json, request, response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                    "The body's Content-Type must name one media type, such as application/json.");
            return;
        }
        chain.doFilter(new Limited(request, limit), response);
    }

    private static boolean acceptable(String contentType) {
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return !type.isWildcardType() && !type.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    /** The request, its body counted as it is read. */
    private static final class Limited extends HttpServletRequestWrapper {

        private final long limit;
        private ServletInputStream counted;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (counted == null) {
                ServletInputStream in = super.getInputStream();
                counted = new ServletInputStream() {
                    private long read;

                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b >= 0) {
                            count(1);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = in.read(buffer, offset, length);
                        if (n > 0) {
                            count(n);
                        }
                        return n;
                    }

                    private void count(int n) throws IOException {
                        read += n;
                        if (read > limit) {
                            throw new BodyTooLarge(limit);
                        }
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return counted;
        }
    }
}
