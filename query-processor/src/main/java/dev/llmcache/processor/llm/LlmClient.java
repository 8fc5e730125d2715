package dev.llmcache.processor.llm;

import reactor.core.publisher.Flux;
import tools.jackson.databind.node.ObjectNode;

/**
 * A streaming chat-completion provider. Implementations never block: the returned flux emits on
 * I/O or timer threads, and fails with {@link LlmCallException} when the provider reports an error.
 */
public interface LlmClient {

    /**
     * @param request an OpenAI chat-completion body whose {@code model} is already the upstream model name
     */
    Flux<LlmStreamEvent> stream(ObjectNode request);

    /**
     * Embeds the inputs of one upstream request, in order. Providers that only chat refuse with 400.
     *
     * @param call inputs whose {@code model} is already the upstream model name
     */
    default reactor.core.publisher.Mono<Embeddings> embed(EmbeddingCall call) {
        return reactor.core.publisher.Mono.error(new LlmCallException(new dev.llmcache.common.event.ErrorInfo(400,
                "invalid_request_error", "model_not_supported", "The model '" + call.model()
                + "' does not create embeddings")));
    }

    /** Completes if the provider is reachable; fails otherwise. For health checks. */
    default reactor.core.publisher.Mono<Void> probe() {
        return reactor.core.publisher.Mono.empty();
    }
}
