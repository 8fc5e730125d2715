package dev.llmcache.replay.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.replay.ReplayJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ReplayReportTest {

    private static JsonNode answered(String id, String outcome, String key, double latency, String text) {
        return ReplayJson.MAPPER.readTree("""
                {"custom_id":"%s","response":{"status_code":200,"body":{"model":"m",
                  "choices":[{"message":{"role":"assistant","content":"%s"}}],
                  "usage":{"prompt_tokens":1000,"completion_tokens":2000,"total_tokens":3000}}},
                 "error":null,"llmcache":{"outcome":"%s","cache_key":"%s","model":"m","latency_ms":%s}}
                """.formatted(id, text, outcome, key, latency));
    }

    private static JsonNode failed(String id, int status) {
        return ReplayJson.MAPPER.readTree("""
                {"custom_id":"%s","response":{"status_code":%d,"body":{"error":{"message":"x"}}},"error":null,
                 "llmcache":{"outcome":"ERROR","latency_ms":1}}""".formatted(id, status));
    }

    private static JsonNode unsent(String id) {
        return ReplayJson.MAPPER.readTree("""
                {"custom_id":"%s","response":null,"error":{"code":"invalid_request","message":"bad"},
                 "llmcache":{"outcome":"INVALID"}}""".formatted(id));
    }

    @Test
    void countsOutcomesUpstreamCallsAgainstDistinctPromptsTokensCostAndSavings() {
        List<JsonNode> output = List.of(
                answered("1", "MISS", "k1", 300, "a"), answered("2", "HIT", "k1", 2, "a"),
                answered("3", "COALESCED", "k1", 250, "a"), answered("4", "MISS", "k2", 310, "b"),
                failed("5", 429), unsent("6"));

        ReplayReport report = ReplayReport.of(output, Prices.parse(Map.of("m", "1/2")), null);

        assertThat(report.lines()).isEqualTo(6);
        assertThat(report.outcomes()).containsEntry("MISS", 2).containsEntry("HIT", 1)
                .containsEntry("COALESCED", 1).containsEntry("ERROR", 1).containsEntry("INVALID", 1);
        assertThat(report.upstreamCalls()).isEqualTo(2);
        assertThat(report.distinctPrompts()).isEqualTo(2);
        assertThat(report.errors()).containsEntry("HTTP 429", 1).containsEntry("invalid_request", 1);
        JsonNode json = report.toJson();
        assertThat(json.path("tokens").path("input").asLong()).isEqualTo(4000);
        // Per call: 1000 input tokens at 1 USD/M + 2000 output tokens at 2 USD/M = 0.005 USD.
        assertThat(json.path("cost_usd").path("spent").asDouble()).isCloseTo(0.010, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(json.path("cost_usd").path("saved").asDouble()).isCloseTo(0.010, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(report.latencyMillis("MISS", 50)).isBetween(299.0, 301.0);
        assertThat(report.latencyMillis("MISS", 100)).isBetween(309.0, 311.0);
        assertThat(report.toMarkdown()).contains("| MISS | 2 | 33.3%");
    }

    @Test
    void comparesAnswersWithABaselineRun() {
        List<JsonNode> baseline = List.of(answered("1", "MISS", "k1", 1, "Paris is the capital"),
                answered("2", "MISS", "k2", 1, "Four"));
        List<JsonNode> output = List.of(answered("1", "MISS", "k1", 1, "paris is the capital!"),
                answered("2", "MISS", "k2", 1, "It is four"));

        AnswerComparison comparison = ReplayReport.of(output, Prices.none(), baseline).comparison();

        assertThat(comparison.compared()).isEqualTo(2);
        assertThat(comparison.exact()).isZero();
        assertThat(comparison.normalised()).isEqualTo(1);
        assertThat(comparison.mostDifferent()).first().extracting(AnswerComparison.Pair::customId).isEqualTo("2");
    }
}
