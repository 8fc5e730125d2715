package dev.llmcache.ingest.embeddings;

import dev.llmcache.common.embedding.EmbeddingItem;
import dev.llmcache.ingest.api.ChatRequestParser;
import dev.llmcache.ingest.api.ParsedQuery;
import java.util.List;

/**
 * A validated {@code POST /v1/embeddings} request: its inputs in the client's order, each one
 * becoming a query of its own.
 *
 * @param base64 whether the client asked for {@code encoding_format: base64}
 */
public record EmbeddingsRequest(String model, List<EmbeddingItem> items, boolean base64, ChatRequestParser.Scope scope) {

    public EmbeddingsRequest {
        items = List.copyOf(items);
    }

    /**
     * The query of input {@code index}: its own cache key, the request's scope, and an id of its
     * own ({@code <request id>#<index>}: no client's id has a {@code #}, so it never clashes with one).
     */
    public ParsedQuery query(int index) {
        EmbeddingItem item = items.get(index);
        var body = item.body();
        return new ParsedQuery(scope.requestId() + "#" + index, scope.tenant(), scope.namespace(), model,
                item.cacheKey(scope.namespace()), body, false, false, scope.directives(),
                scope.origin(), null);
    }

    /** What the inputs are taken to cost before their usage is known: about a token per four characters. */
    public long estimatedTokens() {
        long tokens = 0;
        for (EmbeddingItem item : items) {
            tokens += item.text() != null ? Math.max(1, item.text().length() / 4) : item.input().size();
        }
        return tokens;
    }
}
