package dev.llmcache.ingest.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    @Test
    void linesCrossChunkBoundariesAndKeepTheirNumbers() {
        List<LineSplitter.Line> lines = split(100, "ab", "c\n\nde", "f\r\n  \ngh");

        assertThat(lines).extracting(LineSplitter.Line::index).containsExactly(0, 2, 4);
        assertThat(lines).extracting(line -> new String(line.bytes(), StandardCharsets.UTF_8))
                .containsExactly("abc", "def\r", "gh");
    }

    @Test
    void aLineOverTheLimitIsReportedWithoutItsBytes() {
        List<LineSplitter.Line> lines = split(4, "12345", "678\nok\n");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).tooLong()).isTrue();
        assertThat(lines.get(0).bytes()).isEmpty();
        assertThat(lines.get(1).tooLong()).isFalse();
        assertThat(lines.get(1).index()).isEqualTo(1);
    }

    @Test
    void aFileEndingWithANewlineHasNoExtraLine() {
        assertThat(split(100, "a\n")).hasSize(1);
        assertThat(split(100, "")).isEmpty();
    }

    private static List<LineSplitter.Line> split(int max, String... chunks) {
        LineSplitter splitter = new LineSplitter(max);
        List<LineSplitter.Line> lines = new ArrayList<>();
        for (String chunk : chunks) {
            lines.addAll(splitter.add(chunk.getBytes(StandardCharsets.UTF_8)));
        }
        lines.addAll(splitter.finish());
        return lines;
    }
}
