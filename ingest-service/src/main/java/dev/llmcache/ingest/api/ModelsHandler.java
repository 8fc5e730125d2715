package dev.llmcache.ingest.api;

import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.serde.Json;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/models}: the configured model names, in the OpenAI list shape. */
public final class ModelsHandler {

    private final String body;

    public ModelsHandler(ModelCatalog catalog) {
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        catalog.all().forEach(route -> data.addObject()
                .put("id", route.model())
                .put("object", "model")
                .put("created", 0)
                .put("owned_by", route.provider()));
        this.body = Json.MAPPER.writeValueAsString(list);
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }
}
