package dev.llmcache.replay.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.replay.ReplayJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFileTest {

    @TempDir
    Path dir;

    private static tools.jackson.databind.node.ObjectNode line(String customId) {
        return ReplayJson.MAPPER.createObjectNode().put("custom_id", customId);
    }

    @Test
    void resumingKeepsTheWrittenLinesAndKnowsTheirIds() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (OutputFile out = OutputFile.open(file, false)) {
            out.append(line("a"));
            out.append(line("b"));
        }

        try (OutputFile out = OutputFile.open(file, true)) {
            assertThat(out.isDone("a")).isTrue();
            assertThat(out.isDone("b")).isTrue();
            assertThat(out.isDone("c")).isFalse();
            out.append(line("c"));
        }

        assertThat(OutputLines.read(file)).extracting(l -> l.path("custom_id").asString()).containsExactly("a", "b", "c");
    }

    @Test
    void aLastLineCutShortByAKillIsRemovedAndItsRequestCountsAsNotDone() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Files.writeString(file, "{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\",\"resp", StandardCharsets.UTF_8);

        try (OutputFile out = OutputFile.open(file, true)) {
            assertThat(out.isDone("a")).isTrue();
            assertThat(out.isDone("b")).isFalse();
            out.append(line("b"));
        }

        assertThat(Files.readString(file)).isEqualTo("{\"custom_id\":\"a\"}\n{\"custom_id\":\"b\"}\n");
    }

    @Test
    void aSecondReplayCannotWriteToAnOutputFileInUse() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (OutputFile first = OutputFile.open(file, false)) {
            first.append(line("a"));

            assertThatThrownBy(() -> OutputFile.open(file, true)).hasMessageContaining("Another replay");
        }
        try (OutputFile again = OutputFile.open(file, true)) {
            assertThat(again.isDone("a")).as("free again once the first closed it").isTrue();
        }
    }

    @Test
    void refusesToMixTwoRunsInOneFileWithoutResume() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Files.writeString(file, "{\"custom_id\":\"a\"}\n");

        assertThatThrownBy(() -> OutputFile.open(file, false)).hasMessageContaining("--resume");
    }

    @Test
    void refusesToResumeAFileThatIsNotAReplayOutput() throws Exception {
        Path file = dir.resolve("out.jsonl");
        Files.writeString(file, "hello\n{\"custom_id\":\"a\"}\n", StandardOpenOption.CREATE);

        assertThatThrownBy(() -> OutputFile.open(file, true)).hasMessageContaining("not a replay output line");
    }
}
