package dev.llmcache.bench;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A {@code redis-server} on loopback for the Redis-tier scenarios, if the machine has one. */
final class RedisProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private RedisProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Started, or empty when there is no {@code redis-server} ({@code $REDIS_SERVER} or on the PATH). */
    static Optional<RedisProcess> start(Path log) throws IOException, InterruptedException {
        Optional<String> binary = binary();
        if (binary.isEmpty()) {
            return Optional.empty();
        }
        int port = Suite.freePort();
        Process process = new ProcessBuilder(List.of(binary.get(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        for (int i = 0; i < 200; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return Optional.of(new RedisProcess(process, port));
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not start; see " + log);
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    private static Optional<String> binary() {
        String configured = System.getenv("REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "redis-server"))) {
                return Optional.of(Path.of(dir, "redis-server").toString());
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
