package dev.llmcache.ingest.semantic;

import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.key.CacheKey;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticQuestion;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import java.util.Locale;
import java.util.Set;
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
    public static final SemanticPolicy OFF = new SemanticPolicy(new Settings(false, Set.of(), 0.9, 0.8, 1.0, 0));

    /**
     * @param enabled          on for every namespace
     * @param namespaces       on for these namespaces (when not on for all)
     * @param threshold        the default least similarity of a match
     * @param minThreshold     the lowest threshold a request may ask for
     * @param maxThreshold     the highest threshold a request may ask for
     * @param maxQuestionChars longer questions are not matched: the embedder would read only their start
     */
    public record Settings(boolean enabled, Set<String> namespaces, double threshold, double minThreshold,
                           double maxThreshold, int maxQuestionChars) {
        public Settings {
            namespaces = namespaces == null ? Set.of() : Set.copyOf(namespaces);
            if (!(minThreshold <= threshold && threshold <= maxThreshold && maxThreshold <= 1.0)) {
                throw new IllegalArgumentException("Semantic thresholds must satisfy min <= threshold <= max <= 1, got "
                        + minThreshold + " <= " + threshold + " <= " + maxThreshold);
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
        Boolean asked = switchHeader(headers.getFirst(ApiHeaders.CACHE_SEMANTIC));
        double threshold = thresholdHeader(headers.getFirst(ApiHeaders.CACHE_SEMANTIC_THRESHOLD));
        boolean on = asked != null ? asked : settings.enabled() || settings.namespaces().contains(namespace);
        if (!on || directives.noCache()) {
            return null;
        }
        String question = SemanticQuestion.of(body).orElse(null);
        if (question == null || question.length() > settings.maxQuestionChars()) {
            return null;
        }
        return new SemanticQuery(CacheKey.deriveScope(namespace, body), question, threshold,
                directives.maxAgeSeconds());
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
        double threshold;
        try {
            threshold = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            threshold = Double.NaN;
        }
        if (!(threshold >= settings.minThreshold() && threshold <= settings.maxThreshold())) {
            throw ApiException.invalid(ApiHeaders.CACHE_SEMANTIC_THRESHOLD, "Header "
                    + ApiHeaders.CACHE_SEMANTIC_THRESHOLD + " must be a number from " + settings.minThreshold()
                    + " to " + settings.maxThreshold());
        }
        return threshold;
    }
}
