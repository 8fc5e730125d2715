package dev.llmcache.cache.admin;

import dev.llmcache.cache.analytics.AnalyticsQueries;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.key.CacheKey;
import dev.llmcache.common.serde.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cache control plane: look at, delete and invalidate cache entries. Every endpoint needs the
 * admin key ({@code Authorization: Bearer <key>}): 401 without one, 403 with a wrong one. Changes
 * go through {@code cache-commands} (202 Accepted): the processor removes the entries from its
 * store and tombstones them, and every replica (each ingest's memory, cache-service) follows;
 * ingest instances apply an invalidation as soon as the command arrives.
 */
public final class CacheAdminHandler {

    /** Cache keys are hex SHA-256 digests. */
    private static final Pattern CACHE_KEY = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_NAME = 256;
    private static final int DEFAULT_EXPORT_LIMIT = 100_000;
    private static final int MAX_EXPORT_LIMIT = 1_000_000;

    private final AdminKey key;
    private final CommandPublisher commands;
    private final AnalyticsQueries entries;
    private final QueryExport queries;
    private final Clock clock;

    /**
     * @param entries where entries are looked up; null when the analytics (their replica) are off
     * @param queries reads recorded queries for {@code GET /cache/queries}
     */
    public CacheAdminHandler(AdminKey key, CommandPublisher commands, AnalyticsQueries entries, QueryExport queries,
                             Clock clock) {
        this.key = key;
        this.commands = commands;
        this.entries = entries;
        this.queries = queries;
        this.clock = clock;
    }

    /**
     * {@code GET /cache/queries?since=&until=&tenant=&limit=}: the queries of a time range, from the
     * {@code queries} topic, as OpenAI Batch input lines (NDJSON, {@code custom_id} the query's own
     * id) for a replay. Needs the admin key: it hands out prompts.
     */
    public Mono<ServerResponse> queries(ServerRequest request) {
        return authorized(request, () -> {
            long now = clock.millis();
            long since = instant(request, "since", null);
            long until = instant(request, "until", now);
            if (until <= since) {
                throw new InvalidInput("until", "until must be after since");
            }
            String tenant = request.queryParam("tenant").orElse(null);
            if (tenant != null && !CacheKey.NAME.matcher(tenant).matches()) {
                throw new InvalidInput("tenant", "tenant must match " + CacheKey.NAME.pattern());
            }
            int limit = limit(request);
            return Mono.fromCallable(() -> queries.open(since, until, tenant))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(session -> ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
                            .body(session.queries(limit).map(CacheAdminHandler::batchLine), String.class))
                    .onErrorResume(QueryExport.BusyException.class, e -> error(new ErrorInfo(503, "server_error",
                            "export_busy", e.getMessage())))
                    .onErrorResume(CacheAdminHandler::isKafkaFailure, e -> error(new ErrorInfo(503, "server_error",
                            "kafka_unavailable", "The recorded queries could not be read: Kafka did not answer")));
        });
    }

    /** One query as an OpenAI Batch input line, with where it came from under {@code llmcache}. */
    private static String batchLine(QueryRequest query) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("custom_id", query.requestId()).put("method", "POST").put("url", "/v1/chat/completions");
        line.set("body", query.body());
        line.putObject("llmcache").put("tenant", query.tenant()).put("namespace", query.namespace())
                .put("received_at", Instant.ofEpochMilli(query.receivedAt()).toString())
                .put("client_request_id", query.clientRequestId());
        return Json.MAPPER.writeValueAsString(line) + "\n";
    }

    private static long instant(ServerRequest request, String param, Long otherwise) {
        String text = request.queryParam(param).orElse(null);
        if (text == null || text.isBlank()) {
            if (otherwise == null) {
                throw new InvalidInput(param, param + " is required (epoch milliseconds or an ISO-8601 instant)");
            }
            return otherwise;
        }
        Long millis = text.chars().allMatch(Character::isDigit) && text.length() <= 15 ? Long.valueOf(text)
                : isoInstant(text);
        if (millis == null) {
            throw new InvalidInput(param, param + " must be epoch milliseconds or an ISO-8601 instant");
        }
        return millis;
    }

    private static int limit(ServerRequest request) {
        String text = request.queryParam("limit").orElse(null);
        if (text == null) {
            return DEFAULT_EXPORT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_EXPORT_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInput("limit", "limit must be 1 to " + MAX_EXPORT_LIMIT);
    }

    /** {@code GET /cache/entries/{key}}: the live entry, or 404. */
    public Mono<ServerResponse> get(ServerRequest request) {
        return authorized(request, () -> {
            String cacheKey = request.pathVariable("key");
            if (!CACHE_KEY.matcher(cacheKey).matches()) {
                return invalidKey();
            }
            if (entries == null || !entries.entriesReady()) {
                return error(new ErrorInfo(503, "server_error", "entries_unavailable",
                        "Cache entries cannot be read on this instance now (the analytics are off or starting)"));
            }
            CachedAnswer entry = entries.entry(cacheKey);
            if (entry == null || entry.isExpiredAt(clock.millis())) {
                return error(new ErrorInfo(404, "invalid_request_error", "entry_not_found",
                        "No live cache entry with this key"));
            }
            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Json.MAPPER.writeValueAsString(entry));
        });
    }

    /** {@code DELETE /cache/entries/{key}}: removes the entry from every tier. */
    public Mono<ServerResponse> delete(ServerRequest request) {
        return authorized(request, () -> {
            String cacheKey = request.pathVariable("key");
            if (!CACHE_KEY.matcher(cacheKey).matches()) {
                return invalidKey();
            }
            CacheCommand command = CacheCommand.delete(UUID.randomUUID().toString(), cacheKey, clock.millis());
            return commands.delete(command).then(accepted(command, 1));
        });
    }

    /** {@code POST /cache/invalidate} with any of {@code namespace}, {@code model}, {@code createdBefore}. */
    public Mono<ServerResponse> invalidate(ServerRequest request) {
        return authorized(request, () -> body(request).flatMap(body -> {
            String namespace = text(body, "namespace");
            String model = text(body, "model");
            Long before = instant(body, "createdBefore");
            if (namespace == null && model == null && before == null) {
                throw new InvalidInput(null, "Give at least one of namespace, model, createdBefore "
                        + "(POST /cache/clear empties a namespace)");
            }
            return invalidate(CacheCommand.invalidate(UUID.randomUUID().toString(), namespace, model, before,
                    clock.millis()));
        }));
    }

    /** {@code POST /cache/clear} with {@code namespace}: every entry of the namespace. */
    public Mono<ServerResponse> clear(ServerRequest request) {
        return authorized(request, () -> body(request).flatMap(body -> {
            String namespace = text(body, "namespace");
            if (namespace == null) {
                throw new InvalidInput("namespace", "namespace is required");
            }
            return invalidate(CacheCommand.invalidate(UUID.randomUUID().toString(), namespace, null, null,
                    clock.millis()));
        }));
    }

    private Mono<ServerResponse> invalidate(CacheCommand command) {
        return commands.invalidate(command).flatMap(partitions -> accepted(command, partitions));
    }

    private Mono<ServerResponse> authorized(ServerRequest request, java.util.function.Supplier<Mono<ServerResponse>> then) {
        AdminKey.Verdict verdict = key.check(request.headers().firstHeader(HttpHeaders.AUTHORIZATION));
        if (verdict == AdminKey.Verdict.MISSING) {
            return error(new ErrorInfo(401, "invalid_request_error", "missing_admin_key",
                    "The admin API needs the admin key: Authorization: Bearer <key>"));
        }
        if (verdict == AdminKey.Verdict.WRONG) {
            return error(new ErrorInfo(403, "invalid_request_error", "invalid_admin_key", key.enabled()
                    ? "The admin key is not valid"
                    : "The admin API is disabled: set llmcache.admin.api-key (LLMCACHE_ADMIN_API_KEY)"));
        }
        return Mono.defer(then)
                .onErrorResume(InvalidInput.class, e -> error(ErrorInfo.invalid("invalid_value", e.getMessage()), e.param))
                .onErrorResume(CacheAdminHandler::isKafkaFailure, e -> error(new ErrorInfo(503,
                        "server_error", "kafka_unavailable", "The command could not be published: Kafka did not "
                        + "take it")));
    }

    private static boolean isKafkaFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.KafkaException
                    || cause instanceof org.springframework.kafka.KafkaException) {
                return true;
            }
        }
        return false;
    }

    private static Mono<ObjectNode> body(ServerRequest request) {
        return request.bodyToMono(String.class).defaultIfEmpty("{}")
                .onErrorMap(DataBufferLimitException.class, e -> new InvalidInput(null, "The body is too large"))
                .map(text -> {
                    try {
                        JsonNode node = Json.MAPPER.readTree(text);
                        if (!node.isObject()) {
                            throw new InvalidInput(null, "The body must be a JSON object");
                        }
                        return (ObjectNode) node;
                    } catch (JacksonException e) {
                        throw new InvalidInput(null, "The body is not valid JSON");
                    }
                });
    }

    private static String text(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString() || value.stringValue().isBlank() || value.stringValue().length() > MAX_NAME) {
            throw new InvalidInput(field, field + " must be a non-empty string of at most " + MAX_NAME + " characters");
        }
        return value.stringValue();
    }

    /** Epoch millis, or an ISO-8601 instant such as {@code 2026-11-22T10:00:00Z}. */
    private static Long instant(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
            return value.longValue();
        }
        Long millis = value.isString() ? isoInstant(value.stringValue()) : null;
        if (millis == null) {
            throw new InvalidInput(field, field + " must be epoch milliseconds or an ISO-8601 instant");
        }
        return millis;
    }

    /** An ISO-8601 instant such as {@code 2026-11-22T10:00:00Z} in epoch millis; null if it is none (or out of range). */
    private static Long isoInstant(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    private Mono<ServerResponse> accepted(CacheCommand command, int partitions) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("commandId", command.commandId())
                .put("type", command.type().name())
                .put("partitions", partitions)
                .put("issuedAt", command.issuedAt());
        return ServerResponse.status(HttpStatus.ACCEPTED).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Json.MAPPER.writeValueAsString(body));
    }

    private static Mono<ServerResponse> invalidKey() {
        return error(ErrorInfo.invalid("invalid_cache_key", "A cache key is 64 lower-case hex characters"), "key");
    }

    private static Mono<ServerResponse> error(ErrorInfo error) {
        return error(error, null);
    }

    private static Mono<ServerResponse> error(ErrorInfo error, String param) {
        return ServerResponse.status(error.status()).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Json.MAPPER.writeValueAsString(error.toBody(param)));
    }

    /** A request whose input is not valid: 400 naming the field. */
    private static final class InvalidInput extends RuntimeException {
        private final String param;

        InvalidInput(String param, String message) {
            super(message, null, false, false);
            this.param = param;
        }
    }
}
