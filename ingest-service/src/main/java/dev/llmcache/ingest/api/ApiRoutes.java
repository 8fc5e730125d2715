package dev.llmcache.ingest.api;

import dev.llmcache.ingest.embeddings.EmbeddingsHandler;
import dev.llmcache.ingest.embeddings.EmbeddingsRequestParser;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The API's routes, every one behind the access filter (keys and rate limits). */
public final class ApiRoutes {

    private ApiRoutes() {
    }

    public static RouterFunction<ServerResponse> of(QueryGateway gateway, ModelCatalog catalog, ApiAccessFilter access) {
        ChatCompletionsHandler chat = new ChatCompletionsHandler(gateway);
        NativeQueryHandler queries = new NativeQueryHandler(gateway);
        ModelsHandler models = new ModelsHandler(catalog);
        EmbeddingsHandler embeddings = new EmbeddingsHandler(gateway, new EmbeddingsRequestParser(gateway.parser()));
        return RouterFunctions.route()
                .POST("/v1/chat/completions", chat::handle)
                .POST("/v1/queries", queries::handle)
                .POST("/v1/embeddings", embeddings::handle)
                .GET("/v1/models", models::handle)
                .filter(access)
                .build();
    }
}
