package dev.llmcache.ingest.batch;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a file's chunks into its lines (JSONL), across chunk boundaries, holding at most one line:
 * a line longer than the limit is reported as too long without keeping its bytes. Blank lines
 * are skipped; every line keeps its number in the file, its identity in the batch.
 */
final class LineSplitter {

    /** Line {@code index} (from 0) of the file; {@code bytes} is empty when it was {@code tooLong}. */
    record Line(int index, byte[] bytes, boolean tooLong) {
    }

    private final int maxLineBytes;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private boolean overflowed;
    private int index;

    LineSplitter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    List<Line> add(byte[] chunk) {
        List<Line> lines = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                append(chunk, from, i - from);
                end(lines);
                from = i + 1;
            }
        }
        append(chunk, from, chunk.length - from);
        return lines;
    }

    /** The last line, if the file does not end with a newline. */
    List<Line> finish() {
        List<Line> lines = new ArrayList<>();
        end(lines);
        return lines;
    }

    private void append(byte[] bytes, int from, int length) {
        if (overflowed || length == 0) {
            return;
        }
        if (current.size() + length > maxLineBytes) {
            overflowed = true;
            current.reset();
        } else {
            current.write(bytes, from, length);
        }
    }

    private void end(List<Line> lines) {
        if (overflowed) {
            lines.add(new Line(index, new byte[0], true));
        } else if (!isBlank(current)) {
            lines.add(new Line(index, current.toByteArray(), false));
        }
        index++;
        overflowed = false;
        current.reset();
    }

    private static boolean isBlank(ByteArrayOutputStream bytes) {
        for (byte b : bytes.toByteArray()) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
