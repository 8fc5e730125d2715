package dev.llmcache.common.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonSizeTest {

    @Test
    void countsTheBytesAStringTakesInsideAJsonRecord() {
        for (String text : new String[] {"plain", "quote\" and \\ and \n", "\u0001\u001f", "é中", "emoji 😀", ""}) {
            int written = Json.MAPPER.writeValueAsString(text).getBytes(StandardCharsets.UTF_8).length - 2;
            assertThat(JsonSize.of(text)).as(text).isEqualTo(written);
        }
    }

    @Test
    void aPrefixWithinABudgetNeverSplitsACharacter() {
        assertThat(JsonSize.prefixWithin("ab😀c", 5)).isEqualTo("ab");
        assertThat(JsonSize.prefixWithin("ab😀c", 6)).isEqualTo("ab😀");
        assertThat(JsonSize.prefixWithin("中中", 4)).isEqualTo("中");
        assertThat(JsonSize.prefixWithin("abc", 10)).isEqualTo("abc");
    }
}
