package org.coverledger.platform;

import java.io.IOException;
import java.io.Writer;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import org.springframework.http.MediaType;

/**
 * What Tomcat refuses before the application sees the request (an encoded slash or a NUL in the
 * path, headers over the size limit) is answered as Problem Details too, in place of Tomcat's
 * HTML error page. No request id is known this early, so one is made for the answer.
 */
public class ProblemReportValve extends ErrorReportValve {

    /** Writes Problem Details as Spring MVC does: {@code code} and the other properties at the top level. */
    private static final ObjectMapper JSON = new ObjectMapper().addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class);

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        ProblemDetail problem = ProblemResponses.ofStatus(status);
        ProblemTexts.localize(problem, ProblemTexts.localeOf(request));
        try {
            if (response.getHeader(RequestIdFilter.HEADER) == null) {
                response.setHeader(RequestIdFilter.HEADER, java.util.UUID.randomUUID().toString());
            }
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("utf-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response committed: nothing more to say
        }
    }
}
