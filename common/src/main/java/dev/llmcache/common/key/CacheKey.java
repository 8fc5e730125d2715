package dev.llmcache.common.key;

import dev.llmcache.common.serde.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Derives the cache key of a chat-completion request: SHA-256 over a canonical encoding of the
 * namespace and every request field that can change the answer.
 *
 * <p>Canonical means: object keys sorted, numbers in their shortest exact form ({@code 1} and
 * {@code 1.0} are equal), strings in Unicode NFC with {@code \r\n} line endings folded to
 * {@code \n}, leading and trailing whitespace of message content dropped, and a single
 * {@code stop} string equal to a one-element list. Fields that only change the transport, not the
 * answer, are left out. Unknown fields are kept: a parameter we do not know may change the answer.
 */
public final class CacheKey {

    /**
     * What a tenant or namespace name may be (a namespace is part of every key), wherever one is
     * given: request headers, API key configuration, the admin API.
     */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** Fields that never change the answer's content. */
    static final Set<String> TRANSPORT_FIELDS = Set.of("stream", "stream_options", "user", "metadata", "store");

    private static final String VERSION = "llmcache-key-v1";
    private static final String EMBEDDING_VERSION = "llmcache-embedding-key-v1";
    private static final String SCOPE_VERSION = "llmcache-semantic-scope-v1";

    /** A number in the request that has no exact value (e.g. {@code 1e400}, beyond a double). */
    public static final class InvalidNumberException extends IllegalArgumentException {
        private final String field;

        InvalidNumberException(String field) {
            super("'" + field + "' contains a number out of range (numbers must be finite)");
            this.field = field;
        }

        /** The top-level request field that holds the number. */
        public String field() {
            return field;
        }
    }

    private CacheKey() {
    }

    /**
     * The hex-encoded key of {@code request} (an OpenAI chat-completion body) in {@code namespace}.
     *
     * @throws InvalidNumberException if a number anywhere in the request is out of range
     */
    public static String derive(String namespace, ObjectNode request) {
        return sha256Hex(VERSION + '\n' + namespace + '\n' + canonicalJson(request));
    }

    /**
     * The key of one embeddings input: its exact text (or token ids), unlike a chat message no
     * normalisation, since the upstream embeds the exact characters; a version tag of its own, so
     * that no embedding key can equal a chat key.
     */
    public static String deriveEmbedding(String namespace, String model, Integer dimensions, JsonNode input) {
        return sha256Hex(EMBEDDING_VERSION + '\n' + namespace + '\n' + model + '\n'
                + (dimensions == null ? "" : dimensions) + '\n' + Json.MAPPER.writeValueAsString(input));
    }

    /**
     * The scope of a semantic match for {@code request}: its key with the last message's content left
     * out, so two requests share a scope exactly when everything but that one message's text is the
     * same (namespace, model, parameters, tools, system prompt, earlier turns, the last message's
     * role and name). A version tag of its own: a scope never equals a key.
     */
    public static String deriveScope(String namespace, ObjectNode request) {
        ObjectNode copy = request.deepCopy();
        JsonNode messages = copy.path("messages");
        if (messages.isArray() && !messages.isEmpty() && messages.get(messages.size() - 1) instanceof ObjectNode last) {
            last.remove("content");
        }
        return sha256Hex(SCOPE_VERSION + '\n' + namespace + '\n' + canonicalJson(copy));
    }

    static String canonicalJson(ObjectNode request) {
        ObjectNode canonical = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(asMap(request)).forEach((name, value) -> {
            if (TRANSPORT_FIELDS.contains(name) || value.isNull()) {
                return;
            }
            try {
                canonical.set(name, canonicalField(name, value));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new InvalidNumberException(name);
            }
        });
        return Json.MAPPER.writeValueAsString(canonical);
    }

    private static JsonNode canonicalField(String name, JsonNode value) {
        if ("stop".equals(name) && value.isString()) {
            ArrayNode single = JsonNodeFactory.instance.arrayNode();
            single.add(canonicalString(value.stringValue()));
            return single;
        }
        if ("messages".equals(name) && value.isArray()) {
            ArrayNode messages = JsonNodeFactory.instance.arrayNode();
            for (JsonNode message : value) {
                messages.add(canonicalMessage(message));
            }
            return messages;
        }
        return canonicalValue(value);
    }

    private static JsonNode canonicalMessage(JsonNode message) {
        JsonNode canonical = canonicalValue(message);
        JsonNode content = message.path("content");
        if (canonical instanceof ObjectNode object && content.isString()) {
            object.set("content", canonicalString(content.stringValue().strip()));
        }
        return canonical;
    }

    private static JsonNode canonicalValue(JsonNode value) {
        if (value.isObject()) {
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            new TreeMap<>(asMap(value)).forEach((k, v) -> sorted.set(k, canonicalValue(v)));
            return sorted;
        }
        if (value.isArray()) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            value.values().forEach(v -> array.add(canonicalValue(v)));
            return array;
        }
        if (value.isNumber()) {
            if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
                throw new NumberFormatException("not finite");
            }
            BigDecimal number = value.decimalValue().stripTrailingZeros();
            // Tagged so that the number 1 and the string "1" stay different keys.
            return JsonNodeFactory.instance.stringNode("n:" + number.toPlainString());
        }
        if (value.isString()) {
            return canonicalString(value.stringValue());
        }
        return value;
    }

    private static JsonNode canonicalString(String text) {
        String normalized = Normalizer.normalize(text.replace("\r\n", "\n"), Normalizer.Form.NFC);
        return JsonNodeFactory.instance.stringNode("s:" + normalized);
    }

    private static TreeMap<String, JsonNode> asMap(JsonNode object) {
        TreeMap<String, JsonNode> map = new TreeMap<>();
        object.properties().forEach(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }

    private static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
