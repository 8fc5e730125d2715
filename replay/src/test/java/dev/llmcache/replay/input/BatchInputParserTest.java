package dev.llmcache.replay.input;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchInputParserTest {

    private final BatchInputParser parser = new BatchInputParser();

    private static final String BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void readsABatchApiLineWithItsCustomId() {
        InputLine line = parser.parse(1,
                "{\"custom_id\":\"a-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" + BODY + "}");

        assertThat(line.isValid()).isTrue();
        assertThat(line.customId()).isEqualTo("a-1");
        assertThat(line.body().path("model").asString()).isEqualTo("m");
    }

    @Test
    void aRecordedQueryKeepsTheNamespaceItWasAskedIn() {
        InputLine line = parser.parse(1, "{\"custom_id\":\"r\",\"body\":" + BODY + ",\"llmcache\":{\"namespace\":\"team-a\"}}");
        InputLine hostile = parser.parse(2, "{\"custom_id\":\"s\",\"body\":" + BODY + ",\"llmcache\":{\"namespace\":\"a b\"}}");

        assertThat(line.namespace()).isEqualTo("team-a");
        assertThat(hostile.error()).contains("llmcache.namespace");
    }

    @Test
    void takesAPlainChatRequestBodyAndNamesItByItsLineNumber() {
        InputLine line = parser.parse(7, BODY);

        assertThat(line.isValid()).isTrue();
        assertThat(line.customId()).isEqualTo("line-7");
    }

    @Test
    void skipsBlankLines() {
        assertThat(parser.parse(1, "   ")).isNull();
    }

    @Test
    void aLineThatCannotBeSentIsReturnedWithTheReasonNotDropped() {
        assertThat(parser.parse(1, "{not json").error()).contains("not valid JSON");
        assertThat(parser.parse(2, "[1,2]").error()).contains("not a JSON object");
        assertThat(parser.parse(3, "{\"custom_id\":\"x\",\"url\":\"/v1/embeddings\",\"body\":" + BODY + "}").error())
                .contains("url must be /v1/chat/completions");
        assertThat(parser.parse(4, "{\"custom_id\":\"y\",\"method\":\"GET\",\"body\":" + BODY + "}").error())
                .contains("method must be POST");
        assertThat(parser.parse(5, "{\"custom_id\":\"z\",\"body\":\"text\"}").error()).contains("body must be");
        assertThat(parser.parse(6, "{\"custom_id\":17,\"body\":" + BODY + "}").error()).contains("custom_id must be");
        assertThat(parser.parse(7, "{\"model\":\"m\",\"messages\":[]}").error()).contains("messages");
        assertThat(parser.parse(8, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").error())
                .contains("model");
    }

    @Test
    void aSecondLineWithTheSameCustomIdIsRefusedUnderAnIdOfItsOwn() {
        parser.parse(1, "{\"custom_id\":\"same\",\"body\":" + BODY + "}");
        InputLine again = parser.parse(2, "{\"custom_id\":\"same\",\"body\":" + BODY + "}");

        assertThat(again.isValid()).isFalse();
        assertThat(again.error()).contains("Duplicate custom_id same");
        assertThat(again.customId()).isEqualTo("same#line-2");
    }

    @Test
    void anOversizedLineIsRefusedWithoutBeingParsed() {
        String huge = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(BatchInputParser.MAX_LINE_CHARS) + "\"}]}";

        assertThat(parser.parse(1, huge).error()).contains("longer than");
    }
}
