package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;
import static org.coverledger.ops.WalkingSkeletonIT.fields;

import java.io.File;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The analysts' reports over HTTP, on a book lived through the API: policies bought and a claim
 * reported move the figures by exactly what they were; the figures as of a moment before are what
 * they were then; CSV holds the same rows as JSON; bad parameters are 400 with the field; no
 * figure carries anything personal. Then the dashboard in a real browser (Debian's chromium,
 * driven through its chromedriver): an analyst logs in, the charts are drawn with the same
 * figures, and a screenshot is kept in {@code target/dashboard.png}.
 */
class AnalyticsIT {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @TempDir
    Path data;

    @Test
    void the_reports_follow_the_book_as_of_any_moment_and_the_dashboard_draws_them() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            Api ana = Api.at(system.queryUrl(), "ana");
            String today = Policies.today().toString();
            String day = "?groupBy=day&from=" + today + "&to=" + today;
            JsonNode before = ana.get("/api/analytics/portfolio" + day + "&product=PROPERTY").json();
            JsonNode claimsBefore = ana.get("/api/analytics/claims" + day + "&product=PROPERTY").json();
            Instant beforeBuying = Instant.now();
            Thread.sleep(5);

            Customer customer = Customers.register(system, "Qian Yu");
            Api buyer = customer.command(system);
            Policies.Bought first = Policies.buy(buyer, customer.accountId());
            Policies.Bought second = Policies.buy(buyer, customer.accountId());
            BigDecimal premiums = BigDecimal.ZERO;
            for (Policies.Bought bought : List.of(first, second)) {
                JsonNode policy = customer.query(system).get("/api/policies/" + bought.policyId(), "X-Min-Position",
                        Long.toString(bought.position())).json();
                premiums = premiums.add(money(policy.get("premium")));
            }
            assertThat(premiums).isPositive();
            String claimId = Policies.claim(buyer, customer.accountId(), first.policyId(), Policies.today(), "FIRE",
                    "12000.00");
            assertThat(claimId).isNotBlank();

            // the two purchases and the claim, and nothing else, moved the day's figures
            JsonNode after = awaitJson(ana, "/api/analytics/portfolio" + day + "&product=PROPERTY",
                    r -> r.get("rows").get(0).get("newBusiness").asLong() == row(before).get("newBusiness").asLong() + 2);
            JsonNode now = row(after);
            assertThat(now.get("product").asText()).isEqualTo("PROPERTY");
            assertThat(money(now.get("premiumWritten")))
                    .isEqualByComparingTo(money(row(before).get("premiumWritten")).add(premiums));
            assertThat(now.get("inForce").asLong()).as("bought on their first day: in force at once")
                    .isEqualTo(row(before).get("inForce").asLong() + 2);
            JsonNode claims = awaitJson(ana, "/api/analytics/claims" + day + "&product=PROPERTY",
                    r -> r.get("rows").get(0).get("reported").asLong() == row(claimsBefore).get("reported").asLong() + 1);
            assertThat(row(claims).get("reportedByIncidentType").get("FIRE").asLong())
                    .isEqualTo(row(claimsBefore).path("reportedByIncidentType").path("FIRE").asLong() + 1);
            assertThat(money(row(claims).get("claimed"))).as(claims.toString())
                    .isEqualByComparingTo(money(row(claimsBefore).get("claimed")).add(new BigDecimal("12000.00")));
            assertThat(row(claims).get("open").asLong()).isEqualTo(row(claimsBefore).get("open").asLong() + 1);

            // as of a moment before the purchases: what the store knew then
            JsonNode then = ana.get("/api/analytics/portfolio" + day + "&product=PROPERTY&asOf=" + beforeBuying).json();
            assertThat(row(then).get("newBusiness")).isEqualTo(row(before).get("newBusiness"));
            assertThat(money(row(then).get("premiumWritten")))
                    .isEqualByComparingTo(money(row(before).get("premiumWritten")));
            assertThat(then.get("asOf").asText()).isEqualTo(beforeBuying.toString());

            // CSV: the same rows, the same values
            for (String report : List.of("portfolio", "claims", "cycle-times", "adjusters")) {
                String path = "/api/analytics/" + report + "?from=" + LocalDate.parse(today).minusMonths(2);
                Reply csv = ana.get(path, "Accept", "text/csv");
                assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
                assertThat(csv.header("Content-Type")).startsWith("text/csv");
                assertThat(csvRows(csv.body())).as(report).isEqualTo(flatRows(ana.get(path).json()));
            }

            // nothing personal in any figure
            for (String report : List.of("portfolio", "claims", "cycle-times", "adjusters")) {
                String body = ana.get("/api/analytics/" + report).body();
                assertThat(body).doesNotContain(customer.accountId(), customer.mobile(), "Qian Yu",
                        Policies.INSURED_NAME, Policies.INSURED_NATIONAL_ID, first.policyNumber(), claimId);
            }

            // bad parameters: 400 with the field, never a 5xx
            assertThat(fields(ana.get("/api/analytics/portfolio?groupBy=year"))).containsExactly("groupBy");
            assertThat(fields(ana.get("/api/analytics/claims?from=2026-13-01"))).containsExactly("from");
            assertThat(fields(ana.get("/api/analytics/claims?product=BOAT&to=soon"))).containsExactlyInAnyOrder(
                    "product", "to");
            assertThat(fields(ana.get("/api/analytics/cycle-times?asOf=yesterday"))).containsExactly("asOf");
            assertThat(fields(ana.get("/api/analytics/adjusters?from=2026-05-02&to=2026-05-01"))).containsExactly("from");
            assertThat(fields(ana.get("/api/analytics/portfolio?groupBy=day&from=2020-01-01&to=2026-01-01")))
                    .containsExactly("groupBy");
            assertThat(Api.at(system.queryUrl(), "alice").get("/api/analytics/portfolio").status()).isEqualTo(403);

            // the description says all of it: the parameters, JSON and CSV
            JsonNode described = Api.at(system.queryUrl(), null).get("/v3/api-docs").json().get("paths");
            for (String report : List.of("portfolio", "claims", "cycle-times", "adjusters")) {
                JsonNode get = described.get("/api/analytics/" + report).get("get");
                assertThat(get.get("parameters").findValuesAsText("name")).as(report)
                        .contains("from", "to", "groupBy", "product", "asOf");
                assertThat(get.get("responses").get("200").get("content").has("text/csv")).as(report).isTrue();
                assertThat(get.get("responses").get("200").get("content").has("application/json")).as(report).isTrue();
            }

            // the page, in the language the browser asks for
            Reply chinese = Api.at(system.queryUrl(), null).get("/dashboard", "Accept-Language", "zh-CN,zh;q=0.9");
            assertThat(chinese.status()).isEqualTo(200);
            assertThat(chinese.body()).contains("<html lang=\"zh-CN\">");
            assertThat(Api.at(system.queryUrl(), null).get("/dashboard", "Accept-Language", "en-GB").body())
                    .contains("<html lang=\"en\">");
            assertThat(Api.at(system.queryUrl(), null).get("/dashboard/lib/echarts.min.js").status()).isEqualTo(200);

            dashboard(system, ana);
        }
    }

    /** The dashboard in chromium: the analyst logs in and the charts show the figures the API gives. */
    private void dashboard(RunningSystem system, Api ana) throws Exception {
        assertThat(new File(CHROMIUM)).as("the browser test needs Debian's chromium and chromium-driver "
                + "(.ci/run installs them: apt-get install chromium chromium-driver)").exists();
        assertThat(new File(CHROMEDRIVER)).as("chromium-driver").exists();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1400,2200", "--lang=zh-CN", "--no-first-run", "--disable-sync",
                        "--disable-background-networking", "--disable-component-update", "--disable-default-apps");
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "zh-CN,zh"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(system.queryUrl() + "/dashboard");
            assertThat(browser.getTitle()).isEqualTo("CoverLedger 经营分析");
            browser.findElement(By.id("username")).sendKeys("ana");
            browser.findElement(By.id("password")).sendKeys("ana-pass");
            browser.findElement(By.id("sign-in")).click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(b -> {
                String state = (String) ((JavascriptExecutor) b).executeScript("return document.body.dataset.state");
                return "drawn".equals(state) || "failed".equals(state);
            });
            assertThat(browser.findElement(By.tagName("body")).getAttribute("data-state"))
                    .as(browser.findElement(By.id("status")).getText()).isEqualTo("drawn");

            // the charts hold the API's figures for every product together (ALL), period by period
            JsonNode portfolio = ana.get("/api/analytics/portfolio").json();
            List<Long> newBusiness = new ArrayList<>();
            List<String> periods = new ArrayList<>();
            for (JsonNode row : portfolio.get("rows")) {
                if (row.get("product").asText().equals("ALL")) {
                    newBusiness.add(row.get("newBusiness").asLong());
                    periods.add(row.get("period").asText());
                }
            }
            JavascriptExecutor js = (JavascriptExecutor) browser;
            assertThat(js.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-inforce'))"
                    + ".getOption().series[1].data")).isEqualTo(newBusiness);
            assertThat(js.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-inforce'))"
                    + ".getOption().xAxis[0].data")).isEqualTo(periods);
            assertThat((Boolean) js.executeScript("const c = document.querySelector('#chart-premium canvas');"
                    + "return c !== null && c.width > 0 && c.height > 0")).as("drawn on a canvas").isTrue();
            String lastPeriod = periods.get(periods.size() - 1);
            String table = browser.findElement(By.id("table-portfolio")).getText();
            assertThat(table).contains("签单保费", lastPeriod, "合计");
            JsonNode claims = ana.get("/api/analytics/claims").json();
            long reported = 0;
            for (JsonNode row : claims.get("rows")) {
                if (row.get("product").asText().equals("ALL")) {
                    reported += row.get("reported").asLong();
                }
            }
            @SuppressWarnings("unchecked")
            List<Long> reportedSeries = (List<Long>) js.executeScript("return echarts.getInstanceByDom("
                    + "document.getElementById('chart-claims')).getOption().series[0].data");
            assertThat(reportedSeries.stream().mapToLong(Long::longValue).sum()).isEqualTo(reported).isPositive();

            Path shot = Path.of("target", "dashboard.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            assertThat(Files.size(shot)).isPositive();
        } finally {
            browser.quit();
        }
    }

    /** An amount as the API writes it: a decimal string. */
    private static BigDecimal money(JsonNode amount) {
        assertThat(amount.isTextual()).as(amount + " is a decimal string").isTrue();
        return new BigDecimal(amount.asText());
    }

    private static JsonNode row(JsonNode report) {
        assertThat(report.get("rows").size()).as(report.toString()).isEqualTo(1);
        return report.get("rows").get(0);
    }

    /** The JSON rows as the CSV spells them: nested figures as dotted names, null as empty. */
    static List<Map<String, String>> flatRows(JsonNode report) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (JsonNode row : report.get("rows")) {
            Map<String, String> flat = new LinkedHashMap<>();
            flatten("", row, flat);
            rows.add(flat);
        }
        return rows;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> flat) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(prefix + field.getKey() + ".", field.getValue(), flat);
            }
        } else if (!node.isNull()) {
            flat.put(prefix.substring(0, prefix.length() - 1), same(node.asText()));
        }
    }

    /** A number as one text whatever its scale (JSON read as doubles here: 4380.0 against the CSV's 4380.00). */
    private static String same(String text) {
        try {
            return new BigDecimal(text).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            return text;
        }
    }

    /** A CSV of plain cells (no quoting needed for these figures) as rows of its non-empty cells. */
    static List<Map<String, String>> csvRows(String csv) {
        List<String> lines = csv.lines().toList();
        String[] header = lines.get(0).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertThat(cells).hasSameSizeAs(header);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                if (!cells[i].isEmpty()) {
                    row.put(header[i], same(cells[i]));
                }
            }
            rows.add(row);
        }
        return rows;
    }
}
