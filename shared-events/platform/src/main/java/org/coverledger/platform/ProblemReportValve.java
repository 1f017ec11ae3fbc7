package org.coverledger.platform;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * What Tomcat refuses before the application sees the request (an encoded slash or a NUL in the
 * path, headers over the size limit) is answered as Problem Details too, in place of Tomcat's
 * HTML error page. No request id is known this early, so one is made for the answer.
 */
public class ProblemReportValve extends ErrorReportValve {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus resolved = HttpStatus.resolve(status);
        String code = status == 400 ? "MALFORMED_REQUEST" : resolved == null ? "HTTP_" + status : resolved.name();
        var problem = new java.util.LinkedHashMap<String, Object>();
        problem.put("type", URI.create("https://coverledger.org/problems/" + code.toLowerCase().replace('_', '-')).toString());
        problem.put("title", resolved == null ? "Error" : resolved.getReasonPhrase());
        problem.put("status", status);
        problem.put("detail", status == 400 ? "The request is malformed." : "The request could not be served.");
        problem.put("code", code);
        var localized = org.springframework.http.ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(
                resolved == null ? 400 : status), (String) problem.get("detail"));
        localized.setTitle((String) problem.get("title"));
        localized.setProperty("code", code);
        ProblemTexts.localize(localized, ProblemTexts.localeOf(request));
        problem.put("title", localized.getTitle());
        problem.put("detail", localized.getDetail());
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
