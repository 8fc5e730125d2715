package dev.llmcache.ingest.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.api.ApiException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.node.ObjectNode;

class SemanticPolicyTest {

    private final SemanticPolicy policy = new SemanticPolicy(
            new SemanticPolicy.Settings(false, Set.of("support"), 0.9, 0.85, 1.0, 40));

    private static ObjectNode body(String question) {
        return (ObjectNode) Json.MAPPER.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]}");
    }

    private static HttpHeaders headers(String... pairs) {
        HttpHeaders headers = new HttpHeaders();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.add(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    private SemanticQuery decide(String namespace, CacheDirectives directives, String... headers) {
        return policy.decide(namespace, body("How do I reset my password?"), directives, headers(headers));
    }

    @Test
    void isOnForTheConfiguredNamespacesAndOffElsewhere() {
        SemanticQuery query = decide("support", CacheDirectives.DEFAULT);
        assertThat(query.question()).isEqualTo("How do I reset my password?");
        assertThat(query.threshold()).isEqualTo(0.9);
        assertThat(decide("sales", CacheDirectives.DEFAULT)).isNull();
    }

    @Test
    void aRequestTurnsItOnOrOffWhateverItsNamespace() {
        assertThat(decide("sales", CacheDirectives.DEFAULT, "X-Cache-Semantic", "ON")).isNotNull();
        assertThat(decide("support", CacheDirectives.DEFAULT, "X-Cache-Semantic", "off")).isNull();
    }

    @Test
    void noCacheLongQuestionsAndIneligibleRequestsAreNeverMatched() {
        assertThat(decide("support", new CacheDirectives(true, false, null, null))).isNull();
        assertThat(policy.decide("support", body("x".repeat(41)), CacheDirectives.DEFAULT, headers())).isNull();
        ObjectNode twoChoices = body("How do I reset my password?").put("n", 2);
        assertThat(policy.decide("support", twoChoices, CacheDirectives.DEFAULT, headers())).isNull();
    }

    @Test
    void theClientsMaxAgeAndThresholdGoWithTheQuery() {
        SemanticQuery query = decide("support", new CacheDirectives(false, false, 30L, null),
                "X-Cache-Semantic-Threshold", "0.95");
        assertThat(query.maxAgeSeconds()).isEqualTo(30L);
        assertThat(query.threshold()).isEqualTo(0.95);
    }

    @Test
    void aMalformedSwitchOrAThresholdOutsideTheBoundsIsA400NamingTheHeader() {
        assertThatThrownBy(() -> decide("support", CacheDirectives.DEFAULT, "X-Cache-Semantic", "yes"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("X-Cache-Semantic"));
        for (String threshold : new String[] {"0.8", "1.01", "abc", "NaN", "", "Infinity", "0x1.ep-1", "0.95f",
                "0.95d", "+.95", "9.5e-1", "0.9,0.95"}) {
            assertThatThrownBy(() -> decide("support", CacheDirectives.DEFAULT, "X-Cache-Semantic-Threshold", threshold))
                    .as(threshold).isInstanceOfSatisfying(ApiException.class,
                            e -> assertThat(e.param()).isEqualTo("X-Cache-Semantic-Threshold"));
        }
    }

    @Test
    void aThresholdIsAPlainDecimalWithSpacesAround() {
        assertThat(decide("support", CacheDirectives.DEFAULT, "X-Cache-Semantic-Threshold", " .95 ").threshold())
                .isEqualTo(0.95);
        assertThat(decide("support", CacheDirectives.DEFAULT, "X-Cache-Semantic-Threshold", "1").threshold())
                .isEqualTo(1.0);
    }

    @Test
    void eitherHeaderGivenTwiceIsA400RatherThanAGuessAtWhichOneTheClientMeant() {
        for (String header : new String[] {"X-Cache-Semantic", "X-Cache-Semantic-Threshold"}) {
            String first = header.equals("X-Cache-Semantic") ? "on" : "0.9";
            String second = header.equals("X-Cache-Semantic") ? "off" : "0.95";
            assertThatThrownBy(() -> decide("support", CacheDirectives.DEFAULT, header, first, header, second))
                    .as(header).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo(header));
        }
    }

    @Test
    void maxAgeZeroSkipsTheLookupSinceNoStoredAnswerCouldQualify() {
        assertThat(decide("support", new CacheDirectives(false, false, 0L, null))).isNull();
    }

    @Test
    void aQuestionWithoutALetterOrDigitIsNeverMatched() {
        for (String question : new String[] {"🦀?", " ​ ", "∑ → ∫ ✓"}) {
            assertThat(policy.decide("support", body(question), CacheDirectives.DEFAULT, headers())).as(question)
                    .isNull();
        }
        assertThat(policy.decide("support", body("Is 🦀 safe?"), CacheDirectives.DEFAULT, headers())).isNotNull();
    }
}
