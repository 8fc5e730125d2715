package dev.llmcache.replay.run;

import dev.llmcache.replay.ReplayJson;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a replay changes in each request: models mapped to others ({@code --model-map a=b}), top-level
 * fields set ({@code --set temperature=0}), and streaming off (a replay records whole answers, as the
 * Batch output format has them). The input line itself is never changed.
 */
public final class RequestRewriter {

    private final Map<String, String> modelMap;
    private final Map<String, JsonNode> fields;

    public RequestRewriter(Map<String, String> modelMap, Map<String, JsonNode> fields) {
        this.modelMap = Map.copyOf(modelMap);
        this.fields = Map.copyOf(fields);
    }

    /**
     * Parses {@code --set} arguments: the value as JSON where it is JSON ({@code 0}, {@code true},
     * {@code {"type":"json_object"}}), as a string otherwise ({@code name=alice}).
     */
    public static Map<String, JsonNode> fields(Map<String, String> assignments) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        assignments.forEach((name, value) -> {
            JsonNode parsed;
            try {
                parsed = ReplayJson.MAPPER.readTree(value);
            } catch (JacksonException e) {
                parsed = null;
            }
            fields.put(name, parsed == null || parsed.isMissingNode() ? ReplayJson.MAPPER.getNodeFactory().stringNode(value)
                    : parsed);
        });
        return fields;
    }

    public ObjectNode rewrite(ObjectNode body) {
        ObjectNode copy = body.deepCopy();
        String model = copy.path("model").asString();
        String mapped = modelMap.get(model);
        if (mapped != null) {
            copy.put("model", mapped);
        }
        fields.forEach(copy::set);
        copy.remove("stream");
        copy.remove("stream_options");
        return copy;
    }
}
