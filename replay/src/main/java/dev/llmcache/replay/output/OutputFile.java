package dev.llmcache.replay.output;

import dev.llmcache.replay.ReplayJson;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The replay's output: append-only JSONL, one line per input line, each written whole and flushed
 * to the file before the next. With {@code resume}, the lines already there are kept and their
 * {@code custom_id}s are skipped; a last line cut short by a kill is removed first (its request is
 * sent again). So every input line appears exactly once, however often the replay is stopped.
 * Written from one thread at a time.
 */
public final class OutputFile implements Closeable {

    private final FileChannel channel;
    private final Set<String> done;

    private OutputFile(FileChannel channel, Set<String> done) {
        this.channel = channel;
        this.done = done;
    }

    /**
     * Opens the file for this run, and holds a lock on it while the run writes: a second replay
     * given the same output (by mistake, or on another terminal) is refused instead of writing
     * lines twice.
     *
     * @throws IllegalStateException if another replay writes to the file, if the file has lines and
     *                               {@code resume} is off (they would be mixed with another run's),
     *                               or a line before the last is unreadable
     */
    public static OutputFile open(Path path, boolean resume) throws IOException {
        if (path.toAbsolutePath().getParent() != null) {
            Files.createDirectories(path.toAbsolutePath().getParent());
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (!lock(channel)) {
                throw new IllegalStateException("Another replay is writing to " + path);
            }
            // Read by the input's thread while the writer adds to it.
            Set<String> done = ConcurrentHashMap.newKeySet();
            if (channel.size() > 0) {
                if (!resume) {
                    throw new IllegalStateException(path + " already has lines: use --resume to go on with that "
                            + "run, or another --output");
                }
                channel.truncate(readDone(path, done));
            }
            channel.position(channel.size()); // appends from here, the one writer
            return new OutputFile(channel, done);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Whether this run got the file's lock: not while another process, or this one, holds it. */
    private static boolean lock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    /** Collects the ids of complete lines; returns the length of the file up to the last complete line. */
    private static long readDone(Path path, Set<String> done) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        int lineStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
            if (!line.isBlank()) {
                done.add(customIdOf(line, path));
            }
            lineStart = i + 1;
        }
        return lineStart; // anything after the last newline was cut short
    }

    private static String customIdOf(String line, Path path) {
        try {
            JsonNode json = ReplayJson.MAPPER.readTree(line);
            if (json.path("custom_id").isString()) {
                return json.path("custom_id").asString();
            }
        } catch (JacksonException e) {
            // reported below
        }
        throw new IllegalStateException(path + " has a line that is not a replay output line: " + abbreviate(line));
    }

    private static String abbreviate(String line) {
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }

    /** Whether the input line with this id already has its output line. */
    public boolean isDone(String customId) {
        return done.contains(customId);
    }

    public int doneCount() {
        return done.size();
    }

    /** Writes one output line and pushes it to the file. */
    public void append(ObjectNode line) throws IOException {
        byte[] json = ReplayJson.MAPPER.writeValueAsBytes(line);
        ByteBuffer buffer = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        done.add(line.path("custom_id").asString());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
