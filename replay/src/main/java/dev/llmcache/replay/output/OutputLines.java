package dev.llmcache.replay.output;

import dev.llmcache.replay.ReplayJson;
import dev.llmcache.replay.input.InputLine;
import dev.llmcache.replay.run.Exchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The lines of a replay's output: the OpenAI Batch output format ({@code id}, {@code custom_id},
 * {@code response} with {@code status_code}, {@code request_id} and {@code body}, {@code error})
 * plus the pipeline's view of each request under {@code llmcache} (outcome, tier, cache key,
 * latency, attempts). Non-2xx answers are in {@code response} as the Batch API has them; {@code error}
 * is for lines that got no HTTP answer or were never sent.
 */
public final class OutputLines {

    /** {@code llmcache.outcome} of a line that was never sent (the input line is invalid). */
    public static final String INVALID = "INVALID";
    /** {@code llmcache.outcome} of a request that got an error instead of an answer. */
    public static final String ERROR = "ERROR";

    private OutputLines() {
    }

    /** @param model the model the request was sent for (after {@code --model-map}) */
    public static ObjectNode of(InputLine input, String model, Exchange exchange) {
        ObjectNode line = start(input.customId());
        if (exchange.status() == 0) {
            line.putNull("response");
            error(line, "connection_error", exchange.transportError());
        } else {
            ObjectNode response = line.putObject("response");
            response.put("status_code", exchange.status());
            response.put("request_id", exchange.requestId());
            response.set("body", exchange.body());
            line.putNull("error");
        }
        ObjectNode view = line.putObject("llmcache");
        view.put("outcome", exchange.status() == 200 && exchange.outcome() != null ? exchange.outcome() : ERROR);
        view.put("tier", exchange.tier());
        view.put("cache_key", exchange.cacheKey());
        view.put("model", model);
        view.put("started_at", exchange.startedAt());
        view.put("latency_ms", round(exchange.latencyMillis()));
        view.put("head_ms", round(exchange.headMillis()));
        view.put("attempts", exchange.attempts());
        return line;
    }

    /** The output line of an input line that cannot be sent. */
    public static ObjectNode invalid(InputLine input) {
        ObjectNode line = start(input.customId());
        line.putNull("response");
        error(line, "invalid_request", "Line " + input.lineNumber() + ": " + input.error());
        line.putObject("llmcache").put("outcome", INVALID);
        return line;
    }

    private static ObjectNode start(String customId) {
        ObjectNode line = ReplayJson.MAPPER.createObjectNode();
        line.put("id", "batch_req_" + UUID.randomUUID().toString().replace("-", ""));
        line.put("custom_id", customId);
        return line;
    }

    private static void error(ObjectNode line, String code, String message) {
        line.putObject("error").put("code", code).put("message", message);
    }

    private static double round(double millis) {
        return Math.round(millis * 1000) / 1000.0;
    }

    /** Reads every line of an output file. */
    public static List<JsonNode> read(Path path) {
        try (Stream<String> lines = Files.lines(path)) {
            return lines.filter(line -> !line.isBlank()).map(ReplayJson.MAPPER::readTree).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The answer's text (the first choice's message content); null if the line has none. */
    public static String answerText(JsonNode line) {
        JsonNode content = line.path("response").path("body").path("choices").path(0).path("message").path("content");
        return content.isString() ? content.asString() : null;
    }
}
