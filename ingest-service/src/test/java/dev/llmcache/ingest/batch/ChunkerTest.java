package dev.llmcache.ingest.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    @Test
    void piecesOfAnySizeBecomeChunksOfOneSizeAndTheRest() {
        Chunker chunker = new Chunker(4);
        List<byte[]> chunks = new ArrayList<>();
        chunks.addAll(chunker.add(new byte[] {1, 2, 3}));
        chunks.addAll(chunker.add(new byte[] {4, 5, 6, 7, 8, 9, 10}));
        chunks.addAll(chunker.add(new byte[0]));
        chunks.addAll(chunker.rest());

        assertThat(chunks).extracting(chunk -> chunk.length).containsExactly(4, 4, 2);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.forEach(joined::writeBytes);
        assertThat(joined.toByteArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void nothingLeftIsNoLastChunk() {
        Chunker chunker = new Chunker(2);
        assertThat(chunker.add(new byte[] {1, 2})).hasSize(1);
        assertThat(chunker.rest()).isEmpty();
    }
}
