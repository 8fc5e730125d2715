package dev.llmcache.ingest.api;

import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.key.CacheKey;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.app.IngestProperties;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.semantic.SemanticPolicy;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates an OpenAI chat-completion request and the API's headers, and derives its cache key.
 * Every rejection is an {@link ApiException} with a 4xx status naming the offending parameter.
 */
public final class ChatRequestParser {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final ModelCatalog models;
    private final String defaultTenant;
    private final String sharedNamespace;
    private final IngestProperties.Limits limits;
    private final SemanticPolicy semantic;

    public ChatRequestParser(ModelCatalog models, String defaultTenant, String sharedNamespace) {
        this(models, defaultTenant, sharedNamespace, new IngestProperties.Limits(2048, 1 << 20, 128, null));
    }

    public ChatRequestParser(ModelCatalog models, String defaultTenant, String sharedNamespace,
                             IngestProperties.Limits limits) {
        this(models, defaultTenant, sharedNamespace, limits, SemanticPolicy.OFF);
    }

    public ChatRequestParser(ModelCatalog models, String defaultTenant, String sharedNamespace,
                             IngestProperties.Limits limits, SemanticPolicy semantic) {
        this.limits = limits;
        this.semantic = semantic;
        this.models = models;
        this.defaultTenant = defaultTenant;
        this.sharedNamespace = sharedNamespace == null || sharedNamespace.isBlank() ? null : sharedNamespace;
    }

    /**
     * Who a request is for and how it may use the cache, from its headers and its caller: the same
     * for every endpoint that runs queries.
     *
     * @param requestId the client's {@code X-Request-ID}, or a new id
     */
    public record Scope(String requestId, String tenant, String namespace, CacheDirectives directives,
                        String origin) {
    }

    /** @param caller who sent it: an authenticated caller's tenant is its key's, whatever the headers say */
    public Scope scope(HttpHeaders headers, Caller caller) {
        String requestId = header(headers, RequestTracing.REQUEST_ID_HEADER, ID);
        String tenant = tenantOf(caller, header(headers, ApiHeaders.TENANT, ApiHeaders.NAME));
        String namespace = header(headers, ApiHeaders.CACHE_NAMESPACE, ApiHeaders.NAME);
        if (namespace == null) {
            namespace = sharedNamespace != null ? sharedNamespace : tenant;
        } else if (!caller.mayUse(namespace)) {
            throw forbidden(ApiHeaders.CACHE_NAMESPACE, "This API key may not use the cache namespace '"
                    + namespace + "'");
        }
        return new Scope(requestId != null ? requestId : UUID.randomUUID().toString(), tenant, namespace,
                // Several Cache-Control lines are one list (RFC 9110, 5.3): a later no-cache counts too.
                CacheControlParser.parse(String.join(",", headers.getOrEmpty(HttpHeaders.CACHE_CONTROL)),
                        headers.getFirst(ApiHeaders.CACHE_TTL)),
                origin(headers));
    }

    /** The request's {@code model}, which must be one of the catalog's. */
    public String model(ObjectNode body) {
        String model = requireString(body, "model");
        if (models.resolve(model).isEmpty()) {
            throw new ApiException(new ErrorInfo(404, "invalid_request_error", "model_not_found",
                    "The model '" + model + "' does not exist; GET /v1/models lists the available ones"), "model");
        }
        return model;
    }

    /** The {@code model} of an embeddings request: one of the catalog's that can embed. */
    public String embeddingModel(ObjectNode body) {
        String model = model(body);
        if (models.chatsOnly(model)) {
            throw new ApiException(new ErrorInfo(400, "invalid_request_error", "model_not_supported", "The model '"
                    + model + "' does not create embeddings"), "model");
        }
        return model;
    }

    /** @param caller who sent it: an authenticated caller's tenant is its key's, whatever the headers say */
    public ParsedQuery parse(byte[] json, HttpHeaders headers, Caller caller) {
        ObjectNode body = readObject(json);
        String model = model(body);
        if (models.embedsOnly(model)) {
            throw new ApiException(new ErrorInfo(400, "invalid_request_error", "model_not_supported", "The model '"
                    + model + "' only creates embeddings; use POST /v1/embeddings"), "model");
        }
        validateMessages(body.get("messages"));
        validateParameters(body);
        validateTools(body);

        boolean stream = optionalBoolean(body, "stream");
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        Scope scope = scope(headers, caller);
        ObjectNode upstream = body.deepCopy();
        upstream.remove("stream");
        upstream.remove("stream_options");
        return new ParsedQuery(scope.requestId(), scope.tenant(), scope.namespace(), model,
                cacheKey(scope.namespace(), upstream), upstream, stream, includeUsage, scope.directives(),
                scope.origin(), semantic.decide(scope.namespace(), upstream, scope.directives(), headers));
    }

    /** The cache key of {@code body}; a number without an exact value is the request's fault (400). */
    private static String cacheKey(String namespace, ObjectNode body) {
        try {
            return CacheKey.derive(namespace, body);
        } catch (CacheKey.InvalidNumberException e) {
            throw ApiException.invalid(e.field(), e.getMessage());
        }
    }

    private static String origin(HttpHeaders headers) {
        String origin = headers.getFirst(ApiHeaders.ORIGIN);
        if (origin == null || origin.isEmpty() || origin.equals(CacheEvent.LIVE)) {
            return CacheEvent.LIVE;
        }
        if (!origin.equals(CacheEvent.REPLAY) && !origin.equals(CacheEvent.BATCH)) {
            throw ApiException.invalid(ApiHeaders.ORIGIN, "Header " + ApiHeaders.ORIGIN + " must be "
                    + CacheEvent.LIVE + ", " + CacheEvent.REPLAY + " or " + CacheEvent.BATCH);
        }
        return origin;
    }

    private String tenantOf(Caller caller, String requested) {
        if (!caller.authenticated()) {
            return requested == null ? defaultTenant : requested;
        }
        if (requested != null && !requested.equals(caller.tenant())) {
            // A key's tenant is fixed: a header naming another one is refused, not quietly ignored.
            throw forbidden(ApiHeaders.TENANT, "This API key belongs to another tenant than '" + requested + "'");
        }
        return caller.tenant();
    }

    private static ApiException forbidden(String param, String message) {
        return new ApiException(new ErrorInfo(403, "invalid_request_error", "permission_denied", message), param);
    }

    /** The body as a JSON object, or 400. */
    public static ObjectNode readObject(byte[] json) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(tree instanceof ObjectNode object)) {
            throw ApiException.invalid(null, "The request body must be a JSON object");
        }
        return object;
    }

    private void validateMessages(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array");
        }
        if (messages.size() > limits.maxMessages()) {
            throw ApiException.invalid("messages", "'messages' may hold at most " + limits.maxMessages()
                    + " messages");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String param = "messages[" + i + "]";
            if (!message.isObject()) {
                throw ApiException.invalid(param, param + " must be an object");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isString() || !ROLES.contains(role.stringValue())) {
                throw ApiException.invalid(param + ".role", param + ".role must be one of " + ROLES);
            }
            JsonNode content = message.get("content");
            boolean toolCall = "assistant".equals(role.stringValue()) && message.has("tool_calls");
            boolean valid = content != null && (content.isString() || content.isArray())
                    || toolCall && (content == null || content.isNull());
            if (!valid) {
                throw ApiException.invalid(param + ".content", param + ".content must be a string or an array of parts");
            }
            if (content != null && contentLength(content, param + ".content") > limits.maxMessageLength()) {
                throw ApiException.invalid(param + ".content", param + ".content is longer than "
                        + limits.maxMessageLength() + " characters");
            }
            optionalType(message, "name", JsonNode::isString, param + ".name", "a string");
            optionalType(message, "tool_calls", JsonNode::isArray, param + ".tool_calls", "an array");
        }
    }

    /** The text length of a message's content; each part must be an object with a {@code type}. */
    private static long contentLength(JsonNode content, String param) {
        if (content.isString()) {
            return content.stringValue().length();
        }
        long length = 0;
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!part.isObject() || !part.path("type").isString()) {
                throw ApiException.invalid(param + "[" + i + "]", param + "[" + i
                        + "] must be an object with a 'type'");
            }
            JsonNode text = part.get("text");
            if (text != null && !text.isString()) {
                throw ApiException.invalid(param + "[" + i + "].text", param + "[" + i + "].text must be a string");
            }
            length += text == null ? 0 : text.stringValue().length();
        }
        return length;
    }

    private void validateTools(ObjectNode body) {
        JsonNode tools = body.get("tools");
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray() || tools.size() > limits.maxTools()) {
            throw ApiException.invalid("tools", "'tools' must be an array of at most " + limits.maxTools() + " tools");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String param = "tools[" + i + "]";
            if (!tool.isObject() || !tool.path("type").isString()) {
                throw ApiException.invalid(param, param + " must be an object with a 'type'");
            }
            if ("function".equals(tool.path("type").stringValue())) {
                JsonNode name = tool.path("function").path("name");
                if (!name.isString() || !FUNCTION_NAME.matcher(name.stringValue()).matches()) {
                    throw ApiException.invalid(param + ".function.name", param
                            + ".function.name must match " + FUNCTION_NAME.pattern());
                }
            }
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull() && !choice.isString() && !choice.isObject()) {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be a string or an object");
        }
    }

    private static void optionalType(JsonNode node, String field, java.util.function.Predicate<JsonNode> valid,
                                     String param, String expected) {
        JsonNode value = node.get(field);
        if (value != null && !value.isNull() && !valid.test(value)) {
            throw ApiException.invalid(param, "'" + param + "' must be " + expected);
        }
    }

    private static void validateParameters(ObjectNode body) {
        range(body, "temperature", 0, 2);
        range(body, "top_p", 0, 1);
        range(body, "presence_penalty", -2, 2);
        range(body, "frequency_penalty", -2, 2);
        positiveInt(body, "max_tokens");
        positiveInt(body, "max_completion_tokens");
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.canConvertToInt() && n.asInt() == 1)) {
            throw ApiException.invalid("n", "Only n=1 is supported");
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull() && !seed.isIntegralNumber()) {
            throw ApiException.invalid("seed", "'seed' must be an integer");
        }
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull() && !stop.isString()) {
            boolean strings = stop.isArray() && stop.size() <= 4
                    && stop.valueStream().allMatch(JsonNode::isString);
            if (!strings) {
                throw ApiException.invalid("stop", "'stop' must be a string or an array of at most 4 strings");
            }
        }
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull() && !options.isObject()) {
            throw ApiException.invalid("stream_options", "'stream_options' must be an object");
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !(user.isString() && user.stringValue().length() <= 512)) {
            throw ApiException.invalid("user", "'user' must be a string of at most 512 characters");
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !(format.isObject() && format.path("type").isString())) {
            throw ApiException.invalid("response_format", "'response_format' must be an object with a 'type'");
        }
        JsonNode bias = body.get("logit_bias");
        if (bias != null && !bias.isNull()) {
            boolean valid = bias.isObject() && bias.size() <= 300 && bias.valueStream()
                    .allMatch(v -> within(v, -100, 100));
            if (!valid) {
                throw ApiException.invalid("logit_bias", "'logit_bias' must map at most 300 token ids to numbers"
                        + " between -100 and 100");
            }
        }
        range(body, "top_logprobs", 0, 20);
        optionalType(body, "logprobs", JsonNode::isBoolean, "logprobs", "a boolean");
    }

    private static String requireString(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isString() || value.stringValue().isBlank()) {
            throw ApiException.invalid(field, "'" + field + "' is required and must be a non-empty string");
        }
        return value.stringValue();
    }

    private static boolean optionalBoolean(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ApiException.invalid(field, "'" + field + "' must be a boolean");
        }
        return value.asBoolean();
    }

    private static void range(ObjectNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!within(value, min, max)) {
            throw ApiException.invalid(field, "'" + field + "' must be a number between " + min + " and " + max);
        }
    }

    /** A number between {@code min} and {@code max}; false for anything else, however large or odd. */
    private static boolean within(JsonNode value, double min, double max) {
        if (!value.isNumber()) {
            return false;
        }
        try {
            double number = value.asDouble();
            return Double.isFinite(number) && number >= min && number <= max;
        } catch (RuntimeException notADouble) {
            // Jackson refuses to convert numbers beyond a double's range.
            return false;
        }
    }

    private static void positiveInt(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            throw ApiException.invalid(field, "'" + field + "' must be a positive integer");
        }
    }

    private static String header(HttpHeaders headers, String name, Pattern pattern) {
        String value = headers.getFirst(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (!pattern.matcher(value).matches()) {
            throw ApiException.invalid(name, "Header " + name + " must match " + pattern.pattern());
        }
        return value;
    }
}
