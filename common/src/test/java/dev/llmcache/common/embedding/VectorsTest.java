package dev.llmcache.common.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class VectorsTest {

    @Test
    void aVectorSurvivesBase64Exactly() {
        float[] vector = {0.5f, -1.25f, 3.0e-8f, Float.MIN_VALUE};

        assertThat(Vectors.fromBase64(Vectors.toBase64(vector))).containsExactly(vector);
    }

    @Test
    void theEncodingIsOpenAisLittleEndianFloat32() {
        // 1.0f is 0x3F800000: little-endian bytes 00 00 80 3F.
        assertThat(Base64.getDecoder().decode(Vectors.toBase64(new float[] {1.0f})))
                .containsExactly(0x00, 0x00, 0x80, 0x3F);
    }

    @Test
    void bytesThatAreNotWholeFloatsAreRefused() {
        assertThatThrownBy(() -> Vectors.fromBase64(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anItemIsToldApartFromAChatRequest() {
        EmbeddingItem item = new EmbeddingItem("m", tools.jackson.databind.node.JsonNodeFactory.instance
                .stringNode("hello"), 8);

        assertThat(EmbeddingItem.isItem(item.body())).isTrue();
        assertThat(EmbeddingItem.of(item.body())).isEqualTo(item);
        assertThat(EmbeddingItem.isItem(dev.llmcache.common.serde.Json.MAPPER.createObjectNode()
                .put("model", "m").set("messages", dev.llmcache.common.serde.Json.MAPPER.createArrayNode())))
                .isFalse();
    }
}
