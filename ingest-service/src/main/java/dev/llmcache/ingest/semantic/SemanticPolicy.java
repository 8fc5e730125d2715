package dev.llmcache.ingest.semantic;

import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.key.CacheKey;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticQuestion;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides whether a chat query may be answered by a semantic match, and with which threshold:
 * on for the configured namespaces (or all), turned on or off per request with
 * {@code X-Cache-Semantic: on|off}, the threshold overridden per request with
 * {@code X-Cache-Semantic-Threshold} within the configured bounds. A query the client asked to
 * bypass the cache ({@code no-cache}), or that {@link SemanticQuestion} finds ineligible, or whose
 * question is longer than the embedder reads whole, is never matched by meaning.
 */
public final class SemanticPolicy {

    /** Never matches by meaning, whatever the request asks (a malformed header is still refused). */
    public static final SemanticPolicy OFF = new SemanticPolicy(new Settings(false, Set.of(), 0.9, 0.85, 1.0, 1));

    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");

    /**
     * @param enabled          on for every namespace
     * @param namespaces       on for these namespaces (when not on for all)
     * @param threshold        the default least similarity of a match
     * @param minThreshold     the lowest threshold a request may ask for
     * @param maxThreshold     the highest threshold a request may ask for
     * @param maxQuestionChars longer questions are not matched: a much longer text's vector says less about it
     */
    public record Settings(boolean enabled, Set<String> namespaces, double threshold, double minThreshold,
                           double maxThreshold, int maxQuestionChars) {
        public Settings {
            namespaces = namespaces == null ? Set.of() : Set.copyOf(namespaces);
            if (!(0 <= minThreshold && minThreshold <= threshold && threshold <= maxThreshold && maxThreshold <= 1.0)) {
                throw new IllegalArgumentException("Semantic thresholds must satisfy min <= threshold <= max <= 1, got "
                        + minThreshold + " <= " + threshold + " <= " + maxThreshold);
            }
            if (maxQuestionChars < 1) {
                throw new IllegalArgumentException("max-question-chars must be at least 1, got " + maxQuestionChars);
            }
        }
    }

    private final Settings settings;

    public SemanticPolicy(Settings settings) {
        this.settings = settings;
    }

    /**
     * The query's request for a semantic match, or null.
     *
     * @param body the chat request as the upstream gets it (already validated)
     * @throws ApiException (400) for a malformed {@code X-Cache-Semantic} or threshold header
     */
    public SemanticQuery decide(String namespace, ObjectNode body, CacheDirectives directives, HttpHeaders headers) {
        Boolean asked = switchHeader(once(headers, ApiHeaders.CACHE_SEMANTIC));
        double threshold = thresholdHeader(once(headers, ApiHeaders.CACHE_SEMANTIC_THRESHOLD));
        boolean on = asked != null ? asked : settings.enabled() || settings.namespaces().contains(namespace);
        Long maxAge = directives.maxAgeSeconds();
        // max-age=0 accepts no stored answer: a lookup could only cost the embedding's time.
        if (!on || directives.noCache() || (maxAge != null && maxAge == 0)) {
            return null;
        }
        String question = SemanticQuestion.of(body).orElse(null);
        if (question == null || question.length() > settings.maxQuestionChars()) {
            return null;
        }
        return new SemanticQuery(CacheKey.deriveScope(namespace, body), question, threshold,
                directives.maxAgeSeconds(), false);
    }

    /** The header's value, or null; 400 if it is given more than once (which one would the client mean?). */
    private static String once(HttpHeaders headers, String name) {
        List<String> values = headers.getOrEmpty(name);
        if (values.size() > 1) {
            throw ApiException.invalid(name, "Header " + name + " must be given once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static Boolean switchHeader(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw ApiException.invalid(ApiHeaders.CACHE_SEMANTIC,
                    "Header " + ApiHeaders.CACHE_SEMANTIC + " must be on or off");
        };
    }

    private double thresholdHeader(String value) {
        if (value == null) {
            return settings.threshold();
        }
        // A plain decimal only: Java would also read "0x1.ep-1", "0.95f" or "NaN".
        String decimal = value.strip();
        double threshold = DECIMAL.matcher(decimal).matches() ? Double.parseDouble(decimal) : Double.NaN;
        if (!(threshold >= settings.minThreshold() && threshold <= settings.maxThreshold())) {
            throw ApiException.invalid(ApiHeaders.CACHE_SEMANTIC_THRESHOLD, "Header "
                    + ApiHeaders.CACHE_SEMANTIC_THRESHOLD + " must be a number from " + settings.minThreshold()
                    + " to " + settings.maxThreshold());
        }
        return threshold;
    }
}
