package dev.llmcache.bench;

import dev.llmcache.processor.embedding.InProcessEmbedder;
import dev.llmcache.processor.llm.EmbeddingCall;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The embeddings figures: the in-process model's own latency on this machine, and the
 * embeddings endpoint answering cached inputs (compared by the targets with the raw HTTP ceiling
 * of the same run).
 */
final class EmbeddingScenarios {

    static final String MODEL = "all-minilm-l6-v2";
    /** About 64 tokens: the size the latency target is for. */
    private static final String LONG_QUESTION = "In a Kafka Streams application that runs on three instances with "
            + "exactly-once processing, how should I size the state store's RocksDB block cache and write buffers "
            + "so that memory stays bounded when one instance fails and its tasks move to the other two";

    private EmbeddingScenarios() {
    }

    /** {@code count} embeddings one at a time, each a text the model has not seen (no memo). */
    static ScenarioResult embedderLatency(int count, Prompts prompts) {
        return embedderLatency(count, prompts, 1);
    }

    /** The same with {@code threads} intra-op threads. */
    static ScenarioResult embedderLatency(int count, Prompts prompts, int threads) {
        ScenarioRecorder recorder = new ScenarioRecorder();
        try (InProcessEmbedder embedder = new InProcessEmbedder(0, threads)) {
            for (int i = 0; i < count + 20; i++) {
                String text = (i % 2 == 0 ? LONG_QUESTION + " " : "") + prompts.unique("embed", i);
                long start = System.nanoTime();
                embedder.embed(new EmbeddingCall(MODEL, List.of(JsonNodeFactory.instance.stringNode(text)), null))
                        .block(Duration.ofMinutes(1));
                long end = System.nanoTime();
                if (i >= 20) { // the first ones load the model and warm it up
                    recorder.record(new RequestResult(start, end, end, 200, "MISS", null, null));
                }
            }
        }
        return recorder.result("embedder-latency", "The in-process embedding model (" + MODEL + ", " + threads
                + " intra-op thread(s)) called directly, one text at a time, half of them about 64 tokens long, half short; none seen "
                + "before.", Map.of("texts", count, "model", MODEL, "intraOpThreads", threads));
    }

    /** Cached single-input embeddings requests, {@code concurrency} at a time. */
    static ScenarioResult cachedPeak(ChatClient client, int requests, int concurrency, int keys, Prompts prompts) {
        ScenarioRecorder recorder = new ScenarioRecorder();
        Load.closedLoop("embeddings-hits-peak", requests, concurrency, i -> Mono.defer(() -> client.send("/embeddings",
                body(prompts.ranked("embeddings", i % keys)), false, System.nanoTime(), false)), recorder);
        return recorder.result("embeddings-hits-peak", "POST /v1/embeddings with one cached input (" + MODEL
                + "), closed loop of " + concurrency + " clients: peak throughput.",
                Map.of("requests", requests, "concurrency", concurrency, "model", MODEL));
    }

    /** Caches the inputs {@link #cachedPeak} asks for. */
    static void warm(ChatClient client, int keys, Prompts prompts) {
        Load.closedLoop("warm-up", keys, 8, i -> Mono.defer(() -> client.send("/embeddings",
                body(prompts.ranked("embeddings", i)), false, System.nanoTime(), false)), new ScenarioRecorder());
    }

    private static String body(String text) {
        return "{\"model\":\"" + MODEL + "\",\"input\":\"" + text.replace("\"", "'") + "\"}";
    }
}
