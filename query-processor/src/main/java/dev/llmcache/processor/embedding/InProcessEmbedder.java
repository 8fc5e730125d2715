package dev.llmcache.processor.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.processor.llm.EmbeddingCall;
import dev.llmcache.processor.llm.Embeddings;
import dev.llmcache.processor.llm.LlmCallException;
import dev.llmcache.processor.llm.LlmClient;
import dev.llmcache.processor.llm.LlmStreamEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The provider type {@code in-process}: all-MiniLM-L6-v2 (quantized, 384 dimensions), run by the
 * ONNX runtime inside this JVM, so the product serves embeddings with no upstream at all. The
 * model ships in a Maven artifact; nothing is downloaded at run time.
 *
 * <p>Inference runs on one thread of its own, with one ONNX intra-op thread that does not spin
 * while idle: embedding must not take the cores that serve requests. The model is loaded on first
 * use (about a second), so a product that never embeds pays nothing. Recent texts' vectors are
 * memoized (texts up to 2,048 characters: at most ~6 KB per entry).
 */
public final class InProcessEmbedder implements LlmClient, AutoCloseable {

    public static final int DIMENSIONS = 384;
    /** Longer texts are embedded every time: the memo's memory stays bounded by its entries. */
    private static final int MAX_MEMO_CHARS = 2_048;
    private static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
    private static final String WARM_UP_TEXT = "How do I reset my password?";

    /** langchain4j's model, embedding on the calling thread (the embedder's own). */
    private static final class MiniLm extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder encoder;

        MiniLm(OnnxBertBiEncoder encoder) {
            super(Runnable::run);
            this.encoder = encoder;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return encoder;
        }
    }

    private record Memo(float[] vector, int tokens) {
    }

    private final Scheduler thread = Schedulers.newSingle("embedder");
    private final Cache<String, Memo> memo;
    private final int intraOpThreads;
    private MiniLm model; // confined to the embedder thread

    /** @param memoEntries how many recent texts' vectors are kept (0: none) */
    public InProcessEmbedder(long memoEntries) {
        this(memoEntries, 1);
    }

    /**
     * @param intraOpThreads threads the ONNX runtime may use for one text: 1 keeps the embedder
     *                       to one core; more cut its latency on a machine with cores to spare
     */
    public InProcessEmbedder(long memoEntries, int intraOpThreads) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("The embedder needs at least one intra-op thread");
        }
        this.memo = Caffeine.newBuilder().maximumSize(memoEntries).build();
        this.intraOpThreads = intraOpThreads;
    }

    @Override
    public Flux<LlmStreamEvent> stream(tools.jackson.databind.node.ObjectNode request) {
        return Flux.error(new LlmCallException(new ErrorInfo(400, "invalid_request_error", "model_not_supported",
                "The model '" + request.path("model").asString() + "' only creates embeddings; use /v1/embeddings")));
    }

    @Override
    public Mono<Embeddings> embed(EmbeddingCall call) {
        if (call.dimensions() != null && call.dimensions() != DIMENSIONS) {
            return Mono.error(invalid("The model '" + call.model() + "' makes vectors of "
                    + DIMENSIONS + " dimensions; 'dimensions' must be " + DIMENSIONS + " or left out"));
        }
        for (JsonNode input : call.inputs()) {
            if (!input.isString()) {
                return Mono.error(invalid("The model '" + call.model()
                        + "' embeds text only, not token ids"));
            }
        }
        return Mono.fromCallable(() -> embedAll(call.inputs())).subscribeOn(thread);
    }

    /**
     * Loads the model and runs it once (on the embedder thread), e.g. at start instead of on the
     * first request: the runtime's first run sets up its memory and is many times slower than the
     * next, too slow for a semantic lookup's deadline.
     */
    public Mono<Void> warmUp() {
        return Mono.<Void>fromRunnable(() -> model().embed(TextSegment.from(WARM_UP_TEXT))).subscribeOn(thread);
    }

    private Embeddings embedAll(List<JsonNode> inputs) {
        List<float[]> vectors = new ArrayList<>(inputs.size());
        long tokens = 0;
        for (JsonNode input : inputs) {
            String text = input.stringValue();
            Memo known = text.length() > MAX_MEMO_CHARS ? embedOne(text) : memo.get(text, this::embedOne);
            vectors.add(known.vector());
            tokens += known.tokens();
        }
        return new Embeddings(vectors, tokens);
    }

    private Memo embedOne(String text) {
        var response = model().embed(TextSegment.from(text));
        Integer tokens = response.tokenUsage() == null ? null : response.tokenUsage().inputTokenCount();
        return new Memo(response.content().vector(), tokens == null ? 0 : tokens);
    }

    private MiniLm model() {
        if (model == null) {
            model = load(intraOpThreads);
        }
        return model;
    }

    private static MiniLm load(int intraOpThreads) {
        try (InputStream onnx = resource(MODEL_RESOURCE); InputStream tokenizer = resource(TOKENIZER_RESOURCE);
             OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // One thread by default, and no spinning between runs: an idle embedder uses no CPU.
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession session = environment.createSession(onnx.readAllBytes(), options);
            return new MiniLm(new OnnxBertBiEncoder(environment, session, tokenizer, PoolingMode.MEAN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OrtException e) {
            throw new IllegalStateException("The embedding model could not be loaded", e);
        }
    }

    private static InputStream resource(String name) {
        InputStream stream = InProcessEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (stream == null) {
            throw new IllegalStateException(name + " is missing from the classpath");
        }
        return stream;
    }

    private static LlmCallException invalid(String message) {
        return new LlmCallException(new ErrorInfo(400, "invalid_request_error", "invalid_value", message));
    }

    @Override
    public void close() {
        thread.dispose();
    }
}
