package dev.llmcache.standalone;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One more instance of the product in a JVM of its own, as a user runs several: the standalone
 * application on the test's classpath, connected to the shared (secured) test broker, or another,
 * through {@code spring.kafka.*} arguments, with its own port and state directories. Instances started with
 * the same {@code deployment} share topics, Streams application and worker group.
 */
final class ProductInstance implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private ProductInstance(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts an instance on the shared test broker; {@link #awaitReady} waits until it serves. */
    static ProductInstance start(String deployment, String upstreamBaseUrl) throws IOException {
        return start(deployment, upstreamBaseUrl, KafkaFixture.springProperties(KafkaFixture.PASSWORD));
    }

    /** Starts an instance connected to Kafka by {@code kafkaProperties} ({@code spring.kafka.*}). */
    static ProductInstance start(String deployment, String upstreamBaseUrl, Map<String, String> kafkaProperties)
            throws IOException {
        int port = freePort();
        Path dir = Files.createTempDirectory("llmcache-instance-");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), StandaloneApplication.class.getName(),
                "--server.port=" + port,
                "--llmcache.standalone.data-dir=" + dir,
                "--llmcache.processor.state-dir=" + dir.resolve("streams"),
                "--llmcache.analytics.enabled=false",
                "--llmcache.kafka.topic-prefix=" + deployment + ".",
                "--llmcache.kafka.partitions=3",
                "--llmcache.processor.application-id=" + deployment + "-processor",
                "--llmcache.processor.worker.group-id=" + deployment + "-worker",
                "--llmcache.llm.provider=openai",
                "--llmcache.llm.base-url=" + upstreamBaseUrl,
                "--management.tracing.enabled=false",
                // A semantic lookup must not wait for the in-process model to load.
                "--llmcache.processor.embeddings.warm-up=true",
                // The tests check what matches, not how fast: three JVMs on two cores may take
                // longer than the production deadline, which turns a lookup into an ordinary miss.
                "--llmcache.processor.semantic.lookup-timeout=5s"));
        for (Map.Entry<String, String> setting : kafkaProperties.entrySet()) {
            command.add("--" + setting.getKey() + "=" + setting.getValue());
        }
        Path log = dir.resolve("instance.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ProductInstance(process, port, log);
    }

    /** Waits until the instance's readiness probe says UP. */
    ProductInstance awaitReady(Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The instance exited; its log:\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> ready = HTTP.send(HttpRequest.newBuilder(uri("/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("The instance was not ready within " + within + "; its log:\n"
                + Files.readString(log));
    }

    /** A chat completion for {@code prompt} sent to this instance. */
    HttpRequest chat(String prompt, boolean stream, Duration timeout) {
        return HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PipelineTestBase.chatBody(prompt, stream)))
                .build();
    }

    /** A non-streaming chat completion for {@code prompt}, with extra headers (name, value, ...), answered. */
    HttpResponse<String> ask(String prompt, String... headers) {
        return send(HttpRequest.newBuilder(chat(prompt, false, Duration.ofSeconds(30)), (name, value) -> true),
                headers);
    }

    /** A POST of {@code body} as {@code contentType} to {@code path}, with headers (name, value, ...), answered. */
    HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    /** A bodiless {@code method} request of {@code path} with headers (name, value, ...), answered. */
    HttpResponse<String> send(String method, String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()), headers);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of every series of the Prometheus metric {@code name} this instance exposes now. */
    double metric(String name) {
        String scrape = send("GET", "/actuator/prometheus").body();
        return scrape.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGKILL: the instance dies at once, without leaving its groups or closing anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
