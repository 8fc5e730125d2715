package dev.llmcache.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A freshly started standalone product in a child JVM, with its own data directory, so each run
 * measures the same cold state; its resident memory and thread count are read while it runs.
 */
final class StandaloneProcess implements AutoCloseable {

    /** The product's heap in the benchmark (the README's recommended setting). */
    static final String HEAP = "1g";

    private static final HttpClient CONTROL = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final long startupMillis;

    private StandaloneProcess(Process process, int port, long startupMillis) {
        this.process = process;
        this.port = port;
        this.startupMillis = startupMillis;
    }

    /** Memory bounded by configuration: heap and direct buffers capped (RocksDB has its own cap); then the extras. */
    static List<String> jvmOptions(List<String> extra) {
        List<String> options = new ArrayList<>(List.of("-Xmx" + HEAP, "-XX:MaxDirectMemorySize=256m"));
        options.addAll(extra);
        return options;
    }

    static StandaloneProcess start(Path jar, List<String> extraJvmOptions, Path dataDir, Path log, int port,
                                   int kafkaPort, List<String> properties) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions(extraJvmOptions));
        command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port,
                "--llmcache.standalone.data-dir=" + dataDir, "--llmcache.standalone.kafka-port=" + kafkaPort));
        command.addAll(properties);
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        StandaloneProcess standalone = new StandaloneProcess(process, port, 0);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!standalone.ready()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("The standalone product did not become ready; see " + log);
            }
            Thread.sleep(200);
        }
        return new StandaloneProcess(process, port, (System.nanoTime() - start) / 1_000_000);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    long startupMillis() {
        return startupMillis;
    }

    private boolean ready() {
        try {
            return CONTROL.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Resident set size in MiB, from /proc (Linux). */
    double residentMib() {
        try {
            Matcher rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc", Long.toString(process.pid()), "status")));
            return rss.find() ? Long.parseLong(rss.group(1)) / 1024.0 : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Live JVM threads of the product, from its own metrics. */
    double liveThreads() {
        return metric("llmcache.jvm.threads.live");
    }

    /** CPU time the product's process has used so far, or -1 where the OS does not tell. */
    long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /**
     * CPU time the product's JIT compiler threads have used so far, from /proc (Linux; -1 elsewhere).
     * A thread's CPU time is in clock ticks of 10 ms (USER_HZ, 100 on Linux).
     */
    long compilerCpuNanos() {
        try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return threads.mapToLong(StandaloneProcess::compilerTicks).sum() * 10_000_000L;
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static long compilerTicks(Path thread) {
        try {
            String stat = Files.readString(thread.resolve("stat"));
            // "<tid> (<name>) <state> ...": the name may hold spaces, so fields count from the last ')'.
            int nameEnd = stat.lastIndexOf(')');
            String name = stat.substring(stat.indexOf('(') + 1, nameEnd);
            if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
                return 0;
            }
            String[] fields = stat.substring(nameEnd + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0; // the thread ended meanwhile
        }
    }

    /** The first statistic of one of the product's metrics (the value of a gauge or counter), or -1. */
    double metric(String name) {
        return metric(name, null);
    }

    /** One statistic (e.g. {@code TOTAL_TIME} of a timer; null: the first) of one of the product's metrics, or -1. */
    double metric(String name, String statistic) {
        try {
            String json = CONTROL.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/metrics/" + name))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            String statisticPattern = statistic == null ? "[A-Z_]+" : Pattern.quote(statistic);
            Matcher value = Pattern.compile("\"statistic\"\\s*:\\s*\"" + statisticPattern
                    + "\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.Ee+-]+)").matcher(json);
            return value.find() ? Double.parseDouble(value.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
