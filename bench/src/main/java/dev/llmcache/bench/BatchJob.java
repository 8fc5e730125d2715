package dev.llmcache.bench;

import dev.llmcache.common.serde.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A batch of the product's Batch API, driven over HTTP as a client would: upload the input file,
 * create the batch, read its status, cancel it. Setup traffic of a scenario, not measured.
 */
final class BatchJob {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Set<String> ENDS = Set.of("completed", "failed", "cancelled", "expired");

    private final String baseUrl;
    private final String id;

    private BatchJob(String baseUrl, String id) {
        this.baseUrl = baseUrl;
        this.id = id;
    }

    /** Uploads {@code bodies} as the lines of an input file and creates a batch of them. */
    static BatchJob start(String baseUrl, List<String> bodies) throws IOException, InterruptedException {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < bodies.size(); i++) {
            file.append("{\"custom_id\":\"l").append(i)
                    .append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":")
                    .append(bodies.get(i)).append("}\n");
        }
        String boundary = "bench" + UUID.randomUUID();
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.jsonl\"\r\n\r\n"
                + file + "\r\n--" + boundary + "--\r\n";
        JsonNode uploaded = send(HttpRequest.newBuilder(URI.create(baseUrl + "/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(multipart)));
        JsonNode batch = send(HttpRequest.newBuilder(URI.create(baseUrl + "/batches"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\"" + uploaded.path("id").asString()
                        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")));
        return new BatchJob(baseUrl, batch.path("id").asString());
    }

    /** The batch's status. */
    JsonNode status() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/batches/" + id)).GET());
    }

    /** Waits until at least {@code lines} lines are done (the batch is running at full speed). */
    JsonNode awaitDone(int lines, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode status = status();
        while (System.nanoTime() < deadline && !ENDS.contains(status.path("status").asString())
                && status.path("request_counts").path("completed").asInt() < lines) {
            Thread.sleep(100);
            status = status();
        }
        return status;
    }

    /** Cancels the batch and waits until it has ended. */
    JsonNode cancel(Duration within) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/batches/" + id + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode status = status();
        while (System.nanoTime() < deadline && !ENDS.contains(status.path("status").asString())) {
            Thread.sleep(100);
            status = status();
        }
        return status;
    }

    private static JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("The Batch API answered " + response.statusCode() + ": " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }
}
