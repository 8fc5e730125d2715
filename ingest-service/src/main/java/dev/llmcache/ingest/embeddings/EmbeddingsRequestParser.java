package dev.llmcache.ingest.embeddings;

import dev.llmcache.common.embedding.EmbeddingItem;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ChatRequestParser;
import dev.llmcache.ingest.auth.Caller;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates an OpenAI embeddings request: {@code input} as a string, an array of strings, an
 * array of token ids or an array of such arrays; {@code model}, {@code dimensions},
 * {@code encoding_format} ({@code float} or {@code base64}). Every rejection is a 4xx naming the
 * parameter.
 */
public final class EmbeddingsRequestParser {

    /** OpenAI's own limit of inputs per request. */
    public static final int MAX_INPUTS = 2048;
    /** Beyond OpenAI's largest model (3,072), and small enough that a vector fits in one answer record. */
    private static final int MAX_DIMENSIONS = 16_384;

    private final ChatRequestParser requests;

    public EmbeddingsRequestParser(ChatRequestParser requests) {
        this.requests = requests;
    }

    public EmbeddingsRequest parse(byte[] json, HttpHeaders headers, Caller caller) {
        ObjectNode body = ChatRequestParser.readObject(json);
        String model = requests.embeddingModel(body);
        Integer dimensions = dimensions(body.get("dimensions"));
        boolean base64 = base64(body.get("encoding_format"));
        List<EmbeddingItem> items = new ArrayList<>();
        for (JsonNode input : inputs(body.get("input"))) {
            items.add(new EmbeddingItem(model, input, dimensions));
        }
        return new EmbeddingsRequest(model, items, base64, requests.scope(headers, caller));
    }

    /** The inputs one by one: a lone string or token array is one input. */
    static List<JsonNode> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw ApiException.invalid("input", "'input' is required");
        }
        if (input.isString()) {
            return List.of(text(input, "input"));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw ApiException.invalid("input", "'input' must be a non-empty string or a non-empty array "
                    + "of strings, of token ids, or of token id arrays");
        }
        if (input.get(0).isIntegralNumber()) {
            return List.of(tokens(input, "input"));
        }
        if (input.size() > MAX_INPUTS) {
            throw ApiException.invalid("input", "'input' may hold at most " + MAX_INPUTS + " inputs");
        }
        boolean strings = input.get(0).isString();
        List<JsonNode> inputs = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String param = "input[" + i + "]";
            if (strings != item.isString()) {
                throw ApiException.invalid(param, "'input' must hold only strings or only token id arrays; "
                        + param + " differs");
            }
            inputs.add(strings ? text(item, param) : tokens(item, param));
        }
        return inputs;
    }

    private static JsonNode text(JsonNode text, String param) {
        if (text.stringValue().isEmpty()) {
            throw ApiException.invalid(param, "'" + param + "' must not be an empty string");
        }
        return text;
    }

    private static JsonNode tokens(JsonNode tokens, String param) {
        if (!tokens.isArray() || tokens.isEmpty()) {
            throw ApiException.invalid(param, "'" + param + "' must be a string or a non-empty array of token ids");
        }
        for (JsonNode token : tokens) {
            if (!token.isIntegralNumber() || !token.canConvertToInt() || token.intValue() < 0) {
                throw ApiException.invalid(param, "'" + param + "' must hold token ids (non-negative integers)");
            }
        }
        return tokens;
    }

    private static Integer dimensions(JsonNode dimensions) {
        if (dimensions == null || dimensions.isNull()) {
            return null;
        }
        if (!dimensions.isIntegralNumber() || !dimensions.canConvertToInt() || dimensions.intValue() < 1
                || dimensions.intValue() > MAX_DIMENSIONS) {
            throw ApiException.invalid("dimensions", "'dimensions' must be an integer from 1 to " + MAX_DIMENSIONS);
        }
        return dimensions.intValue();
    }

    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull()) {
            return false;
        }
        if (!format.isString() || !(format.stringValue().equals("float") || format.stringValue().equals("base64"))) {
            throw ApiException.invalid("encoding_format", "'encoding_format' must be 'float' or 'base64'");
        }
        return format.stringValue().equals("base64");
    }
}
