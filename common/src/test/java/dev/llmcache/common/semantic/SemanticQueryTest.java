package dev.llmcache.common.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import org.junit.jupiter.api.Test;

class SemanticQueryTest {

    @Test
    void aQueryWrittenBeforeEmbedOnlyExistedReadsAsALookup() {
        SemanticQuery old = Json.MAPPER.readValue(
                "{\"scope\":\"s\",\"question\":\"q\",\"threshold\":0.9,\"maxAgeSeconds\":null}", SemanticQuery.class);

        assertThat(old.embedOnly()).isFalse();
        assertThat(old.withoutLookup().embedOnly()).isTrue();
    }

    @Test
    void itTravelsAsJsonUnchanged() {
        SemanticQuery query = new SemanticQuery("s", "q", 0.93, 60L, false).withoutLookup();

        assertThat(Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(query), SemanticQuery.class)).isEqualTo(query);
    }
}
