package org.coverledger.query.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.swagger.v3.oas.annotations.Hidden;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The analysts' dashboard: one static page, in Chinese or English as the browser asks
 * ({@code Accept-Language}), that logs in with the analyst's name and password and draws the
 * analytics with ECharts, served from this application (no CDN, no build tool chain). The page
 * holds no figures itself, so it needs no login to load.
 */
@RestController
@Hidden
public class DashboardController {

    private final String page;

    public DashboardController() throws IOException {
        try (InputStream in = DashboardController.class.getResourceAsStream("/dashboard/index.html")) {
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @GetMapping(path = "/dashboard", produces = MediaType.TEXT_HTML_VALUE)
    public ResponseEntity<String> dashboard(Locale locale) {
        String lang = "zh".equals(locale.getLanguage()) ? "zh-CN" : "en";
        return ResponseEntity.ok().header("Content-Language", lang).header("Vary", "Accept-Language")
                .header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                        + "img-src 'self' data: blob:; frame-ancestors 'none'")
                .body(page.replace("{{lang}}", lang));
    }
}
