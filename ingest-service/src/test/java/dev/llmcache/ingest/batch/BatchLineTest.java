package dev.llmcache.ingest.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchLineTest {

    private static final String ENDPOINT = "/v1/chat/completions";

    @Test
    void aValidLineGivesItsIdAndBody() {
        BatchLine.Parsed parsed = parse("{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                + "\"body\":{\"model\":\"m\"}}");

        assertThat(parsed).isInstanceOfSatisfying(BatchLine.Valid.class, valid -> {
            assertThat(valid.line().customId()).isEqualTo("a");
            assertThat(new String(valid.line().body(), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"m\"}");
            assertThat(valid.line().index()).isEqualTo(6);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{not json | invalid_json_line",
            "[1] | invalid_json_line",
            "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}} | missing_required_parameter",
            "{\"custom_id\":\"\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}} | missing_required_parameter",
            "{\"custom_id\":7,\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}} | missing_required_parameter",
            "{\"custom_id\":\"a\",\"method\":\"GET\",\"url\":\"/v1/chat/completions\",\"body\":{}} | invalid_value",
            "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{}} | mismatched_endpoint",
            "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":\"x\"} | invalid_value",
    })
    void aBadLineIsRefusedWithItsNumberAndCode(String line, String code) {
        assertThat(parse(line)).isInstanceOfSatisfying(BatchLine.Invalid.class, invalid -> {
            assertThat(invalid.error().code()).isEqualTo(code);
            assertThat(invalid.error().line()).isEqualTo(7);
        });
    }

    @Test
    void aLineTooLongIsRefused() {
        assertThat(BatchLine.parse(new LineSplitter.Line(0, new byte[0], true), ENDPOINT))
                .isInstanceOfSatisfying(BatchLine.Invalid.class,
                        invalid -> assertThat(invalid.error().code()).isEqualTo("line_too_large"));
    }

    private static BatchLine.Parsed parse(String line) {
        return BatchLine.parse(new LineSplitter.Line(6, line.getBytes(StandardCharsets.UTF_8), false), ENDPOINT);
    }
}
