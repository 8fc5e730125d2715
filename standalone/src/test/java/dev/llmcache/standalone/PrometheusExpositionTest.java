package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The live Prometheus exposition passes {@code promtool check metrics} for every metric llmcache
 * defines, the alert rules pass {@code promtool check rules} and their unit tests, and every metric
 * the rules and the Grafana dashboard use exists. Needs Debian's {@code prometheus} package
 * (installed by {@code .ci/run}) for {@code promtool}.
 */
class PrometheusExpositionTest extends PipelineTestBase {

    private static final Path OPS = Path.of("..", "ops");
    /** The metric families llmcache itself defines; third-party names (Kafka clients, JVM) are theirs. */
    private static final Pattern OWN = Pattern.compile(
            "^llmcache_(cache_|request_|llm_|tokens|cost_|time_saved|coalesced|ingest_|http_server_requests).*");

    @Test
    void theExpositionRulesAndDashboardAgree() throws Exception {
        String prompt = uniquePrompt("prometheus");
        chat(prompt);
        chat(prompt);
        String scrape = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Path scrapeFile = Path.of("target", "prometheus-scrape.txt");
        Files.writeString(scrapeFile, scrape);

        Result lint = promtool(scrapeFile.toFile(), "check", "metrics");
        // 0: clean; 3: lint findings (checked below); anything else: the exposition does not parse.
        assertThat(lint.exitCode()).as(lint.output()).isIn(0, 3);
        assertThat(lint.output().lines().filter(line -> OWN.matcher(line).matches()).toList())
                .as("lint findings on llmcache's own metrics").isEmpty();

        Result rules = promtool(null, "check", "rules", OPS.resolve("prometheus/alerts.yml").toString());
        assertThat(rules.exitCode()).as(rules.output()).isZero();
        Result ruleTests = promtool(null, "test", "rules", OPS.resolve("prometheus/alerts.test.yml").toString());
        assertThat(ruleTests.exitCode()).as(ruleTests.output()).isZero();

        Set<String> used = new TreeSet<>();
        used.addAll(metricNames(Files.readString(OPS.resolve("prometheus/alerts.yml"))));
        used.addAll(metricNames(Files.readString(OPS.resolve("grafana/llmcache-dashboard.json"))));
        assertThat(used).isNotEmpty().allSatisfy(name ->
                assertThat(scrape).as("metric used by the rules or the dashboard").contains("\n" + name));
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("llmcache_[a-z_]+").matcher(text);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    private record Result(int exitCode, String output) {
    }

    private static Result promtool(File stdin, String... args) throws IOException, InterruptedException {
        assertThat(new File("/usr/bin/promtool")).as("promtool is required: apt-get install prometheus").exists();
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/promtool"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (stdin != null) {
            builder.redirectInput(stdin);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }
}
