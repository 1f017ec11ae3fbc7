package org.coverledger.query.analytics;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springdoc.core.annotations.ParameterObject;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.Product;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.query.analytics.AnalyticsReports.AdjusterRow;
import org.coverledger.query.analytics.AnalyticsReports.ClaimsRow;
import org.coverledger.query.analytics.AnalyticsReports.CycleRow;
import org.coverledger.query.analytics.AnalyticsReports.GroupBy;
import org.coverledger.query.analytics.AnalyticsReports.Period;
import org.coverledger.query.analytics.AnalyticsReports.PortfolioRow;
import org.coverledger.query.analytics.AnalyticsReports.Report;
import org.coverledger.eventstore.CommitLogTail;
import org.coverledger.query.audit.ViewReplay;
import org.coverledger.query.infra.AxonConfiguration;
import org.coverledger.query.infra.ReadYourWrites;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The analysts' reports (analyst, compliance, admin): JSON, or CSV with {@code Accept: text/csv}
 * (the same rows, nested figures as dotted columns). Aggregates only: no figure names a customer.
 */
@RestController
@RequestMapping("/api/analytics")
@Tag(name = "Analytics", description = "Portfolio, claims, cycle times and adjusters' work, by product and period, "
        + "as of any moment (analyst, compliance, admin)")
public class AnalyticsController {

    private static final String CSV = "text/csv";
    private static final String PARAMETERS = "Parameters: from, to (dates, inclusive; default the last 12 months "
            + "to today), groupBy (day, week or month; default month), product (HEALTH, AUTO, LIFE, PROPERTY; "
            + "default every product and ALL), asOf (an instant: the figures as the store knew them then). "
            + "The channel of sale is not recorded by the events, so there is no filter by it. "
            + "Accept: text/csv answers the same rows as CSV.";

    private final AnalyticsReports reports;
    private final CommitLogTail tail;
    private final ReadYourWrites readYourWrites;
    private final ObjectMapper json;
    private final Clock clock;
    private final ZoneId zone;

    public AnalyticsController(AnalyticsReports reports, ObjectMapper json, Clock clock,
                               @Value("${coverledger.business-zone}") String zone, CommitLogTail tail,
                               ReadYourWrites readYourWrites) {
        this.tail = tail;
        this.readYourWrites = readYourWrites;
        this.reports = reports;
        this.json = json;
        this.clock = clock;
        this.zone = ZoneId.of(zone);
    }

    /** The parameters every report takes (see the operations' description). */
    public record Parameters(@Schema(description = "first day, inclusive (default: twelve months before to)") String from,
                             @Schema(description = "last day, inclusive (default: today)") String to,
                             @Schema(description = "day, week or month (default)") String groupBy,
                             @Schema(description = "HEALTH, AUTO, LIFE or PROPERTY (default: each and ALL)") String product,
                             @Schema(description = "an ISO-8601 instant: the figures as the store knew them then")
                             String asOf) {
    }

    @GetMapping(path = "/portfolio", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Policies: new business, renewals, premium written and earned, average premium, in force "
            + "at each period's end, lapses, cancellations inside and after cooling-off, expiries, renewal rate",
            description = PARAMETERS)
    public Report<PortfolioRow> portfolio(@ParameterObject Parameters parameters, HttpServletResponse response)
            throws InterruptedException {
        return report(parameters, reports::portfolio, response);
    }

    @GetMapping(path = "/claims", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Claims: reported by incident type, open at each period's end, closed by outcome, decisions "
            + "and approval ratio, amounts claimed, approved and paid, loss ratio (paid over premium earned)",
            description = PARAMETERS)
    public Report<ClaimsRow> claims(@ParameterObject Parameters parameters, HttpServletResponse response)
            throws InterruptedException {
        return report(parameters, reports::claims, response);
    }

    @GetMapping(path = "/cycle-times", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Cycle times from report to first action, to decision and to payment (p50, p90, p99 hours), "
            + "materials loops per closed claim, first actions later than the service level", description = PARAMETERS)
    public Report<CycleRow> cycleTimes(@ParameterObject Parameters parameters, HttpServletResponse response)
            throws InterruptedException {
        return report(parameters, reports::cycleTimes, response);
    }

    @GetMapping(path = "/adjusters", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Adjusters: claims open at each period's end, decisions and decisions per week, average "
            + "report-to-decision hours, share of assessments above their authority", description = PARAMETERS)
    public Report<AdjusterRow> adjusters(@ParameterObject Parameters parameters, HttpServletResponse response)
            throws InterruptedException {
        return report(parameters, reports::adjusters, response);
    }

    /** Any report as CSV: the same rows as its JSON, one column per figure, nested figures as dotted names. */
    @GetMapping(path = {"/portfolio", "/claims", "/cycle-times", "/adjusters"}, produces = CSV)
    @ApiResponse(responseCode = "200", description = "the same rows as CSV", content =
            @Content(mediaType = CSV, schema = @Schema(type = "string")))
    public void csv(@ParameterObject Parameters parameters, HttpServletRequest request, HttpServletResponse response)
            throws IOException, InterruptedException {
        String name = request.getRequestURI().substring(request.getRequestURI().lastIndexOf('/') + 1);
        Report<?> report = switch (name) {
            case "portfolio" -> portfolio(parameters, response);
            case "claims" -> claims(parameters, response);
            case "cycle-times" -> cycleTimes(parameters, response);
            default -> adjusters(parameters, response);
        };
        csv(report, name, response);
    }

    private interface Rows<T> {
        List<T> of(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known);
    }

    private <T> Report<T> report(Parameters parameters, Rows<T> rows, HttpServletResponse response)
            throws InterruptedException {
        String from = parameters.from();
        String to = parameters.to();
        String groupBy = parameters.groupBy();
        String product = parameters.product();
        String asOf = parameters.asOf();
        List<FieldProblem> problems = new ArrayList<>();
        Instant moment = null;
        try {
            moment = ViewReplay.instant("asOf", asOf);
        } catch (org.coverledger.platform.InvalidRequest e) {
            problems.addAll(e.problems());
        }
        LocalDate today = LocalDate.now(clock.withZone(zone));
        LocalDate known = reports.knownUntil(moment, today);
        LocalDate last = date("to", to, problems);
        LocalDate first = date("from", from, problems);
        GroupBy grouping = groupBy == null ? GroupBy.MONTH : parse(GroupBy.class, "groupBy", groupBy, problems);
        String productName = product == null ? null : parse(Product.class, "product", product, problems) == null
                ? null : product.toUpperCase(Locale.ROOT);
        ProblemResponses.throwIfAny(problems);
        last = last == null ? known : last;
        first = first == null ? last.minusMonths(11).withDayOfMonth(1) : first;
        if (first.isAfter(last)) {
            problems.add(new FieldProblem("from", "must be on or before to (" + last + ")"));
        }
        ProblemResponses.throwIfAny(problems);
        List<Period> periods = AnalyticsReports.periods(first, last, grouping);
        if (periods == null) {
            problems.add(new FieldProblem("groupBy", "from " + first + " to " + last + " makes more than "
                    + AnalyticsReports.maxPeriods() + " periods: group by a longer period or ask for fewer days"));
        }
        ProblemResponses.throwIfAny(problems);
        long head = Long.MAX_VALUE;
        if (moment != null) {
            // as of a moment: the whole days come from the projection, so it must have taken in what the
            // store held when asked (bounded; past the bound the answer says it is stale)
            tail.lookNow();
            long stored = tail.storedPosition();
            readYourWrites.await(List.of(AxonConfiguration.ANALYTICS), stored, response);
            head = stored + 1;
        }
        return new Report<>(moment, first, last, grouping.name().toLowerCase(Locale.ROOT), productName,
                Money.DEFAULT_CURRENCY, reports.withLedger(moment, head, ledger -> rows.of(ledger, productName, periods, known)));
    }

    private static LocalDate date(String field, String value, List<FieldProblem> problems) {
        if (value == null) {
            return null;
        }
        try {
            LocalDate day = LocalDate.parse(value);
            if (day.getYear() < 1900 || day.getYear() > 9999) {
                problems.add(new FieldProblem(field, "must be a date between 1900 and 9999"));
                return null;
            }
            return day;
        } catch (DateTimeParseException e) {
            problems.add(new FieldProblem(field, "must be an ISO-8601 date such as 2026-12-06"));
            return null;
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String field, String value, List<FieldProblem> problems) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        problems.add(new FieldProblem(field, "must be one of " + String.join(", ", names)));
        return null;
    }

    /** The report's rows as CSV: one column per figure, nested figures as dotted names, the same values as JSON. */
    private void csv(Report<?> report, String name, HttpServletResponse response) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        Set<String> columns = new LinkedHashSet<>();
        for (Object row : report.rows()) {
            Map<String, String> flat = new LinkedHashMap<>();
            flatten("", json.valueToTree(row), flat);
            columns.addAll(flat.keySet());
            rows.add(flat);
        }
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
        Writer out = new java.io.OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8);
        out.write(String.join(",", columns.stream().map(AnalyticsController::cell).toList()));
        out.write("\r\n");
        for (Map<String, String> row : rows) {
            List<String> cells = new ArrayList<>(columns.size());
            for (String column : columns) {
                cells.add(cell(row.getOrDefault(column, "")));
            }
            out.write(String.join(",", cells));
            out.write("\r\n");
        }
        out.flush();
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> flat) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> flatten(prefix + field.getKey() + ".", field.getValue(), flat));
        } else {
            flat.put(prefix.substring(0, prefix.length() - 1), node.isNull() ? "" : node.asText());
        }
    }

    /** A CSV cell (RFC 4180), with a text that a spreadsheet would take for a formula kept as text. */
    private static String cell(String value) {
        boolean number = value.matches("-?[0-9]+(\\.[0-9]+)?");
        String text = !value.isEmpty() && !number && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
                ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}
