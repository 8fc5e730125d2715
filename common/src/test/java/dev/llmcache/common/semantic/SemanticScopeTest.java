package dev.llmcache.common.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.key.CacheKey;
import dev.llmcache.common.serde.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** What a semantic match compares (the last user message) and what must be equal (everything else). */
class SemanticScopeTest {

    private static final String BASE = "{\"model\":\"m\",\"temperature\":0.2,\"tools\":[{\"type\":\"function\","
            + "\"function\":{\"name\":\"f\"}}],\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},"
            + "{\"role\":\"user\",\"content\":\"QUESTION\"}]}";

    private static ObjectNode request(String json) {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }

    private static String scope(String namespace, String json) {
        return CacheKey.deriveScope(namespace, request(json));
    }

    private static String base(String question) {
        return BASE.replace("QUESTION", question);
    }

    @Test
    void theScopeDoesNotChangeWithTheLastQuestion() {
        assertThat(scope("t", base("How do I reset my password?")))
                .isEqualTo(scope("t", base("How can I reset my password")));
    }

    @Test
    void theScopeChangesWithTenantModelParametersSystemPromptHistoryAndTools() {
        String scope = scope("t", base("Q"));
        assertThat(scope("other", base("Q"))).isNotEqualTo(scope);
        assertThat(scope("t", base("Q").replace("\"model\":\"m\"", "\"model\":\"m2\""))).isNotEqualTo(scope);
        assertThat(scope("t", base("Q").replace("0.2", "0.7"))).isNotEqualTo(scope);
        assertThat(scope("t", base("Q").replace("Be brief.", "Be verbose."))).isNotEqualTo(scope);
        assertThat(scope("t", base("Q").replace("Hello!", "Hi there!"))).isNotEqualTo(scope);
        assertThat(scope("t", base("Q").replace("\"name\":\"f\"", "\"name\":\"g\""))).isNotEqualTo(scope);
    }

    @Test
    void aScopeNeverEqualsAnExactKey() {
        assertThat(scope("t", base("Q"))).isNotEqualTo(CacheKey.derive("t", request(base("Q"))));
    }

    @Test
    void theQuestionIsTheLastUserMessagesText() {
        assertThat(SemanticQuestion.of(request(base("  What is Kafka?  ")))).contains("What is Kafka?");
        assertThat(SemanticQuestion.of(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Part one\"},{\"type\":\"text\",\"text\":\"part two\"}]}]}")))
                .contains("Part one\npart two");
    }

    @Test
    void imagesToolResultsSeveralChoicesAndAnAssistantLastAreNotEligible() {
        assertThat(SemanticQuestion.of(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"https://example.com/a.png\"}}]}]}"))).isEmpty();
        assertThat(SemanticQuestion.of(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"tool_calls\":[]},{\"role\":\"tool\",\"tool_call_id\":\"1\",\"content\":\"20C\"},"
                + "{\"role\":\"user\",\"content\":\"And tomorrow?\"}]}"))).isEmpty();
        assertThat(SemanticQuestion.of(request(base("Q").replace("\"model\":\"m\"", "\"model\":\"m\",\"n\":2"))))
                .isEmpty();
        assertThat(SemanticQuestion.of(request(base("Q").replace("\"model\":\"m\"", "\"model\":\"m\",\"n\":1"))))
                .contains("Q");
        assertThat(SemanticQuestion.of(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Q\"},"
                + "{\"role\":\"assistant\",\"content\":\"A\"}]}"))).isEmpty();
        assertThat(SemanticQuestion.of(request(base("   ")))).isEmpty();
    }
}
