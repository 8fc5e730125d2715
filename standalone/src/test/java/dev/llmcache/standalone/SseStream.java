package dev.llmcache.standalone;

import dev.llmcache.common.serde.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** What a client read from an OpenAI-style SSE stream: the text, whether it ended with [DONE], any error. */
record SseStream(String cacheHeader, String text, boolean done, JsonNode error, List<String> events) {

    static SseStream parse(String cacheHeader, String body) {
        StringBuilder text = new StringBuilder();
        boolean done = false;
        JsonNode error = null;
        List<String> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring(5).strip();
            events.add(data);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode json = Json.MAPPER.readTree(data);
            if (json.has("error")) {
                error = json.get("error");
                continue;
            }
            JsonNode content = json.path("choices").path(0).path("delta").path("content");
            if (content.isString()) {
                text.append(content.stringValue());
            }
        }
        return new SseStream(cacheHeader, text.toString(), done, error, events);
    }
}
