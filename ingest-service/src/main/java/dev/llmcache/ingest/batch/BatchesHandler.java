package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import dev.llmcache.ingest.api.RequestBodies;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.Caller;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's Batch API: {@code POST /v1/batches}, {@code GET /v1/batches},
 * {@code GET /v1/batches/{id}}, {@code POST /v1/batches/{id}/cancel}. Creating a batch writes its
 * record to {@code batches}; the {@link BatchRunner} that owns its partition, on whichever
 * instance, runs it. A tenant sees only its own batches.
 */
public final class BatchesHandler {

    static final String CHAT_COMPLETIONS = "/v1/chat/completions";
    private static final String WINDOW = "24h";
    private static final int MAX_BODY = 64 * 1024;
    private static final int MAX_METADATA = 16;

    private final FileStore files;
    private final BatchStore batches;
    private final Clock clock;

    public BatchesHandler(FileStore files, BatchStore batches, Clock clock) {
        this.files = files;
        this.batches = batches;
        this.clock = clock;
    }

    public Mono<ServerResponse> create(ServerRequest request) {
        String owner = ApiAccessFilter.tenantOf(request);
        Caller caller = ApiAccessFilter.callerOf(request);
        String namespace = namespace(request, caller);
        return RequestBodies.read(request, MAX_BODY)
                .flatMap(body -> {
                    JsonNode node = parse(body);
                    String inputFileId = text(node, "input_file_id");
                    return Lookup.eventually(() -> files.get(owner, inputFileId), () -> ApiException.invalid(
                                    "input_file_id", "No file with id '" + inputFileId + "'"))
                            .flatMap(input -> {
                                BatchState.Spec spec = spec(input, node);
                                long now = clock.millis() / 1000;
                                BatchState created = BatchState.created(BatchStore.newId(),
                                        new BatchState.Owner(owner, caller.keyId(),
                                                caller.namespaces().stream().sorted().toList(), namespace),
                                        spec, now, now + Duration.ofHours(24).toSeconds());
                                return batches.save(created);
                            });
                })
                .flatMap(saved -> FilesHandler.json(BatchApiJson.batch(saved)));
    }

    private static JsonNode parse(byte[] body) {
        JsonNode node;
        try {
            node = body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "The request body must be a JSON object");
        }
        return node;
    }

    private static BatchState.Spec spec(StoredFile input, JsonNode node) {
        if (!FilesHandler.BATCH.equals(input.purpose())) {
            throw ApiException.invalid("input_file_id", "The input file's purpose must be 'batch'");
        }
        String endpoint = text(node, "endpoint");
        if (!CHAT_COMPLETIONS.equals(endpoint)) {
            throw ApiException.invalid("endpoint", "This server runs batches for " + CHAT_COMPLETIONS + " only");
        }
        String window = text(node, "completion_window");
        if (!WINDOW.equals(window)) {
            throw ApiException.invalid("completion_window", "completion_window must be '" + WINDOW + "'");
        }
        return new BatchState.Spec(endpoint, input.id(), window, metadata(node.get("metadata")));
    }

    private static Map<String, String> metadata(JsonNode metadata) {
        Map<String, String> values = new LinkedHashMap<>();
        if (metadata == null || metadata.isNull()) {
            return values;
        }
        if (!metadata.isObject() || metadata.size() > MAX_METADATA) {
            throw ApiException.invalid("metadata", "metadata must be an object of at most " + MAX_METADATA + " pairs");
        }
        for (Map.Entry<String, JsonNode> pair : metadata.properties()) {
            if (pair.getKey().length() > 64 || !pair.getValue().isString() || pair.getValue().asString().length() > 512) {
                throw ApiException.invalid("metadata",
                        "metadata keys are at most 64 characters and values strings of at most 512");
            }
            values.put(pair.getKey(), pair.getValue().asString());
        }
        return values;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString() || value.asString().isEmpty()) {
            throw ApiException.invalid(field, "Missing required parameter '" + field + "'");
        }
        return value.asString();
    }

    /** The cache namespace the batch's lines use, checked now rather than failing every line later. */
    private static String namespace(ServerRequest request, Caller caller) {
        String namespace = request.headers().firstHeader(ApiHeaders.CACHE_NAMESPACE);
        if (namespace == null) {
            return null;
        }
        if (!ApiHeaders.NAME.matcher(namespace).matches()) {
            throw ApiException.invalid(ApiHeaders.CACHE_NAMESPACE, "Invalid namespace name");
        }
        if (!caller.mayUse(namespace)) {
            throw new ApiException(new ErrorInfo(403, "invalid_request_error", "permission_denied",
                    "This API key may not use the namespace '" + namespace + "'"), ApiHeaders.CACHE_NAMESPACE);
        }
        return namespace;
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        int limit = Paging.limit(request, 20, 100);
        Paging.Page<BatchState> page = Paging.after(batches.list(ApiAccessFilter.tenantOf(request)),
                request.queryParam("after").orElse(null), limit, BatchState::id);
        return FilesHandler.json(BatchApiJson.list(page.items(), page.hasMore(), BatchApiJson::batch, BatchState::id));
    }

    public Mono<ServerResponse> get(ServerRequest request) {
        return owned(request).flatMap(batch -> FilesHandler.json(BatchApiJson.batch(batch)));
    }

    /** Asks the batch's runner to stop: lines in flight finish, the rest are not run. */
    public Mono<ServerResponse> cancel(ServerRequest request) {
        return owned(request).flatMap(this::cancel);
    }

    private Mono<ServerResponse> cancel(BatchState batch) {
        if (batch.status() == BatchState.Status.CANCELLING) {
            return FilesHandler.json(BatchApiJson.batch(batch));
        }
        if (batch.status().terminal()) {
            throw ApiException.invalid("id", "Cannot cancel a batch with status '" + batch.status().apiName() + "'");
        }
        return batches.requestCancel(batch, clock.millis() / 1000)
                .flatMap(saved -> FilesHandler.json(BatchApiJson.batch(saved)));
    }

    private Mono<BatchState> owned(ServerRequest request) {
        String id = request.pathVariable("id");
        String owner = ApiAccessFilter.tenantOf(request);
        return Lookup.eventually(() -> batches.get(owner, id), () -> FilesHandler.notFound("batch", id));
    }
}
