package org.coverledger.query.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The analysts' dashboard: one static page, in Chinese or English as the browser asks
 * ({@code Accept-Language}), that logs in with the analyst's name and password and draws the
 * analytics with ECharts, all served from this application (no CDN, no build tool chain): the
 * page, its script and style, and ECharts from its WebJar. They hold no figures, so they need no
 * login; only the files named here are served.
 */
@RestController
@Tag(name = "Analytics")
public class DashboardController {

    private static final String JAVASCRIPT = "text/javascript";
    private static final String CSS = "text/css";
    /** The page's own files and their types. */
    private static final Map<String, String> FILES = Map.of("dashboard.js", JAVASCRIPT, "dashboard.css", CSS);
    /** ECharts, from the WebJar of the version the build names. */
    private static final String ECHARTS = "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private final String page;
    private final Map<String, byte[]> files;
    private final byte[] echarts;

    public DashboardController() throws IOException {
        page = new String(read("/dashboard/index.html"), StandardCharsets.UTF_8);
        files = Map.of("dashboard.js", read("/dashboard/dashboard.js"), "dashboard.css", read("/dashboard/dashboard.css"));
        echarts = read(ECHARTS);
    }

    private static byte[] read(String resource) throws IOException {
        try (InputStream in = DashboardController.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    @GetMapping(path = "/dashboard", produces = MediaType.TEXT_HTML_VALUE)
    @Operation(summary = "The analysts' dashboard (a page for a browser; log in with an analyst's name and password)",
            description = "Charts and tables of GET /api/analytics/*, labels in Chinese or English (Accept-Language).")
    public ResponseEntity<String> dashboard(Locale locale) {
        String lang = "zh".equals(locale.getLanguage()) ? "zh-CN" : "en";
        return ResponseEntity.ok().header("Content-Language", lang).header("Vary", "Accept-Language")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                        + "img-src 'self' data: blob:; frame-ancestors 'none'")
                .body(page.replace("{{lang}}", lang));
    }

    @GetMapping("/dashboard/{file}")
    @Operation(summary = "The dashboard's script (dashboard.js) and style (dashboard.css)")
    @ApiResponse(responseCode = "200", description = "the file", content = {
            @Content(mediaType = JAVASCRIPT, schema = @Schema(type = "string")),
            @Content(mediaType = CSS, schema = @Schema(type = "string"))})
    public ResponseEntity<byte[]> file(@PathVariable String file) {
        byte[] content = files.get(file);
        if (content == null) {
            throw new NotFound("file", file);
        }
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(FILES.get(file) + ";charset=UTF-8"))
                .cacheControl(CacheControl.noCache()).body(content);
    }

    @GetMapping("/dashboard/lib/{file}")
    @Operation(summary = "The charting library of the dashboard (echarts.min.js, ECharts 5.3.1, Apache License 2.0)")
    @ApiResponse(responseCode = "200", description = "the file", content =
            @Content(mediaType = JAVASCRIPT, schema = @Schema(type = "string")))
    public ResponseEntity<byte[]> library(@PathVariable String file) {
        if (!"echarts.min.js".equals(file)) {
            throw new NotFound("file", file);
        }
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(JAVASCRIPT + ";charset=UTF-8"))
                .cacheControl(CacheControl.maxAge(java.time.Duration.ofDays(1))).body(echarts);
    }
}
