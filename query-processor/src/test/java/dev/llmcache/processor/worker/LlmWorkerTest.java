package dev.llmcache.processor.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticVector;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.processor.llm.LlmClient;
import dev.llmcache.processor.llm.LlmRouter;
import dev.llmcache.processor.llm.LlmStreamEvent;
import dev.llmcache.processor.semantic.LexicalGuard;
import dev.llmcache.processor.semantic.SemanticIndex;
import dev.llmcache.processor.semantic.SemanticLookup;
import dev.llmcache.processor.semantic.SemanticMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.mock.MockConsumerFactory;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.ObjectNode;

/**
 * The worker in a real spring-kafka listener container, over Kafka's {@link MockConsumer} and
 * {@link MockProducer}, with an LLM whose calls finish when the test says so.
 */
class LlmWorkerTest {

    private static final Topics TOPICS = new Topics("t.");
    private static final Topic<String, LlmRequest> REQUESTS = TOPICS.llmRequests();
    private static final TopicPartition P0 = new TopicPartition(REQUESTS.name(), 0);
    private static final TopicPartition P1 = new TopicPartition(REQUESTS.name(), 1);
    private static final int MAX_INFLIGHT = 2;
    private static final int MAX_ANSWER_BYTES = 1000;

    /** The LLM: one call per request, each answering when {@link #finish} is called for its key. */
    private final Map<String, Sinks.Many<LlmStreamEvent>> calls = new ConcurrentHashMap<>();
    private MockConsumer<String, LlmRequest> consumer = new MockConsumer<>("earliest");
    /** Outcomes the broker refuses as too large. */
    private volatile Predicate<LlmResponse> tooLarge = response -> false;
    /** The reply topic of the ingest instance that waits for the answers, with three partitions. */
    private static final String REPLIES = TOPICS.answers().name();
    private static final Node BROKER = new Node(0, "127.0.0.1", 9092);
    /** One producer for the whole test: KafkaTemplate closes its producer after each send. */
    private final MockProducer<String, Object> producer = new MockProducer<>(
            new Cluster("c", List.of(BROKER), List.of(replyPartition(0), replyPartition(1), replyPartition(2)),
                    Set.of(), Set.of()),
            true, null, TOPICS.llmResponses().keySerde().serializer(), new DelegatingByTypeSerializer(Map.of(
                    LlmResponse.class, TOPICS.llmResponses().valueSerde().serializer(),
                    Answer.class, TOPICS.answers().valueSerde().serializer()))) {
        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, Object> record, Callback callback) {
            if (record.value() instanceof LlmResponse response && tooLarge.test(response)) {
                callback.onCompletion(null, new RecordTooLargeException("too large"));
                return CompletableFuture.failedFuture(new RecordTooLargeException("too large"));
            }
            return super.send(record, callback);
        }

        @Override
        public void close(Duration timeout) {
        }
    };
    private LlmWorker worker;
    private KafkaMessageListenerContainer<String, LlmRequest> container;

    @BeforeEach
    void start() {
        start(null);
    }

    /** (Re)starts the worker, with a semantic lookup or none. */
    private void start(SemanticLookup semantic) {
        // Model "slow-m" is served by the provider "slow", which may run one call at a time.
        LlmProperties llm = new LlmProperties("test", null, null, List.of("m"),
                Map.of("slow", new LlmProperties.Provider("openai", "http://127.0.0.1:9", null, 1)),
                Map.of("slow-m", new LlmProperties.Route("slow", "slow-m")),
                new LlmProperties.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30),
                        Duration.ofSeconds(60)), new LlmProperties.Simulator(Duration.ZERO, 100), null, null, null, 0);
        LlmClient llmClient = request -> {
            Sinks.Many<LlmStreamEvent> call = Sinks.many().unicast().onBackpressureBuffer();
            calls.put(request.path("key").asString(), call);
            return call.asFlux();
        };
        LlmRouter router = new LlmRouter(new ModelCatalog(llm), Map.of(LlmProperties.DEFAULT_PROVIDER, llmClient,
                "slow", llmClient), llm.circuitBreaker(), llm.retry());
        worker = new LlmWorker(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)),
                TOPICS.llmResponses().name(), router,
                new LlmWorker.Settings(MAX_INFLIGHT, Duration.ofMillis(5), llm.timeouts(), MAX_ANSWER_BYTES,
                        llm::maxConcurrentCallsOf),
                new SimpleMeterRegistry(), RequestTracing.requestIdOnly(), semantic);
        ContainerProperties properties = new ContainerProperties(REQUESTS.name());
        properties.setGroupId("workers");
        properties.setMessageListener(worker);
        properties.setConsumerRebalanceListener(worker);
        properties.setAckMode(ContainerProperties.AckMode.MANUAL);
        properties.setPollTimeout(50);
        container = new KafkaMessageListenerContainer<>(new MockConsumerFactory<>(() -> consumer), properties);
        worker.attach(container);
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        container.start();
        assign(P0, P1);
    }

    @AfterEach
    void stop() throws Exception {
        container.stop();
        worker.close();
    }

    @Test
    void runsAtMostMaxInflightCallsAtOnceAndPausesTheConsumerWhileRequestsWait() {
        // All five in one poll, as a consumer with a backlog would fetch them.
        consumer.schedulePollTask(() -> {
            for (int offset = 0; offset < 5; offset++) {
                request(P0, offset);
            }
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == MAX_INFLIGHT);
        await().atMost(Duration.ofSeconds(5)).until(() -> container.isContainerPaused());
        assertThat(worker.inflight()).isEqualTo(MAX_INFLIGHT);
        assertThat(worker.backlog()).isEqualTo(3);

        finish(P0, 0);
        finish(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 4);
        finish(P0, 2);
        finish(P0, 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> !container.isContainerPaused());
        assertThat(worker.inflight()).isEqualTo(1);
    }

    @Test
    void aProviderAtItsBoundOfCallsDoesNotTakeTheSlotsOtherProvidersNeed() {
        long deadline = System.currentTimeMillis() + 60_000;
        consumer.schedulePollTask(() -> {
            for (int offset = 0; offset < 3; offset++) {
                request(P0, offset, deadline, "slow-m");
            }
            request(P0, 3, deadline, "m");
        });

        // The slow provider runs one call; its other two wait without a slot; the free slot serves "m".
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 2);
        assertThat(calls).containsKeys(key(P0, 0), key(P0, 3));
        assertThat(worker.inflightOf("slow")).isEqualTo(1);
        assertThat(worker.inflight()).isEqualTo(2);
        assertThat(worker.backlog()).isEqualTo(2);

        finish(P0, 3);
        finish(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.containsKey(key(P0, 1)));
        assertThat(worker.inflightOf("slow")).isEqualTo(1);
        assertThat(calls).doesNotContainKey(key(P0, 2));
        finish(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.containsKey(key(P0, 2)));
        finish(P0, 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> worker.inflight() == 0);
        assertThat(worker.backlog()).isZero();
    }

    @Test
    void commitsOnlyUpToTheOldestUnfinishedRequestWhenCallsFinishOutOfOrder() {
        request(P0, 0);
        request(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 2);

        finish(P0, 1);
        awaitOutcomes(1);
        settle();
        assertThat(committed(P0)).as("request 0 still runs: nothing past it is committed").isZero();

        finish(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 2);
    }

    @Test
    void commitsWhatFinishedWhenAPartitionIsRevokedAndNothingOfItAfterwards() {
        request(P0, 0);
        request(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 2);
        finish(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 1);

        assign(P1);
        finish(P0, 1);
        awaitOutcomes(2);
        settle();
        assign(P0, P1); // MockConsumer shows committed offsets of assigned partitions only

        assertThat(committed(P0)).as("a revoked partition's late outcome is not committed by this worker")
                .isEqualTo(1);
    }

    @Test
    void anOutcomeKafkaDoesNotTakeIsRetriedAndTheRequestIsCommittedOnlyOnceItIsPublished() {
        request(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        producer.sendException = new KafkaException("broker unavailable");

        finish(P0, 0);
        settle();
        assertThat(committed(P0)).as("no outcome published, nothing committed").isZero();
        assertThat(worker.inflight()).as("the call keeps its slot while its outcome waits").isEqualTo(1);

        producer.sendException = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 1);
        awaitOutcomes(1);
        assertThat(worker.inflight()).isZero();
    }

    @Test
    void aRequestNobodyWaitsForAnyMoreIsNotSentToTheLlm() {
        request(P0, 0, System.currentTimeMillis() - 1); // its waiters were failed at the deadline
        request(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        finish(P0, 1);

        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 2);
        assertThat(calls).containsOnlyKeys(key(P0, 1));
    }

    @Test
    void anUnreadableRequestIsSkippedWithoutHoldingBackTheCommittedOffset() {
        consumer.addRecord(new ConsumerRecord<>(REQUESTS.name(), 0, 0, "key-0", null));
        request(P0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        finish(P0, 1);

        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 2);
    }

    @Test
    void theFirstTokenAlsoGoesStraightToTheStarterOnItsReplyPartitionAndLaterTokensOnlyToTheProcessor() {
        request(P0, 0, new ReplyRoute(REPLIES, 2));
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1 && worker.knowsReplyTopic(REPLIES));
        Sinks.Many<LlmStreamEvent> call = calls.get(key(P0, 0));
        call.tryEmitNext(new LlmStreamEvent.Delta("Hel"));
        await().atMost(Duration.ofSeconds(5)).until(() -> direct().size() == 1);
        call.tryEmitNext(new LlmStreamEvent.Delta("lo"));
        finish(P0, 0);
        awaitOutcomes(1);

        ProducerRecord<String, Object> token = direct().get(0);
        assertThat(token.partition()).isEqualTo(2);
        assertThat(token.key()).as("addressed by the starter's reply id").isEqualTo("reply-" + key(P0, 0));
        Answer first = (Answer) token.value();
        assertThat(first.isDirect()).isTrue();
        assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS);
        assertThat(first.delta()).isEqualTo("Hel");
        assertThat(first.at()).isZero();
        assertThat(first.cacheKey()).isEqualTo(key(P0, 0));
        assertThat(direct()).as("one record per call, not per token").hasSize(1);
        assertThat(chunks()).first().extracting(LlmResponse::delta).isEqualTo("Hel");
    }

    @Test
    void aStarterWithoutAPartitionOfItsOwnGetsItsFirstTokenOnTheCacheKeysPartition() {
        request(P0, 0, new ReplyRoute(REPLIES, ReplyRoute.ANY_PARTITION));
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1 && worker.knowsReplyTopic(REPLIES));
        finish(P0, 0);
        awaitOutcomes(1);

        assertThat(direct()).singleElement().extracting(ProducerRecord::partition)
                .isEqualTo(new ReplyRoute(REPLIES, ReplyRoute.ANY_PARTITION).partitionFor(key(P0, 0), 3));
    }

    @Test
    void anAnswerReachingTheSizeLimitEndsThereAsIfItHitMaxTokensAndItsUpstreamCallIsCancelled() {
        request(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        Sinks.Many<LlmStreamEvent> call = calls.get(key(P0, 0));
        call.tryEmitNext(new LlmStreamEvent.Delta("a".repeat(600)));
        call.tryEmitNext(new LlmStreamEvent.Delta("\u00e9".repeat(600))); // 2 bytes each in UTF-8

        awaitOutcomes(1);
        LlmResponse done = outcomes().get(0);
        assertThat(done.type()).isEqualTo(LlmResponse.Type.DONE);
        assertThat(done.finishReason()).isEqualTo("length");
        assertThat(done.isWhole()).as("not to be cached").isFalse();
        assertThat(done.content()).isEqualTo("a".repeat(600) + "\u00e9".repeat(200));
        assertThat(call.currentSubscriberCount()).as("the upstream call is cancelled").isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 1);
    }

    @Test
    void anOutcomeKafkaRefusesAsTooLargeBecomesAnErrorForItsWaitersInsteadOfBeingRetriedForever() {
        tooLarge = response -> response.type() == LlmResponse.Type.DONE;
        request(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);

        finish(P0, 0);

        awaitOutcomes(1);
        assertThat(outcomes().get(0).type()).isEqualTo(LlmResponse.Type.ERROR);
        assertThat(outcomes().get(0).error().message()).contains("RecordTooLargeException");
        await().atMost(Duration.ofSeconds(5)).until(() -> committed(P0) != null && committed(P0) == 1);
        assertThat(worker.inflight()).isZero();
    }

    private static final String QUESTION = "How do I reset my password?";

    /** Restarts the worker with a semantic lookup whose embedder is {@code embedder}, over {@code index}. */
    private void restartWithSemantic(SemanticIndex index, Function<String, Mono<float[]>> embedder) throws Exception {
        stop();
        consumer.close();
        consumer = new MockConsumer<>("earliest");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        start(new SemanticLookup(embedder, "e", index, new LexicalGuard(), Duration.ofSeconds(2),
                Schedulers.immediate(), new SemanticMetrics(meters, index), Clock.systemUTC(), () -> true));
    }

    private void semanticRequest(TopicPartition partition, long offset) {
        semanticRequest(partition, offset, new SemanticQuery("scope", QUESTION, 0.9, null, false));
    }

    private void semanticRequest(TopicPartition partition, long offset, SemanticQuery semantic) {
        String key = key(partition, offset);
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m").put("key", key);
        consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, key,
                new LlmRequest(LlmRequest.SCHEMA_VERSION, key, "gen-" + key, "m", body, 0,
                        System.currentTimeMillis() + 60_000, null, semantic)));
    }

    /** A worker whose index holds an answer to a question the embedder puts close to {@link #QUESTION}. */
    private void restartWithAMatchInTheIndex() throws Exception {
        SemanticIndex index = new SemanticIndex(10, 1 << 20, Clock.systemUTC());
        index.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "cached", "ns", "m", "Click 'Forgot password'.",
                "stop", Usage.of(1, 1), System.currentTimeMillis(), Long.MAX_VALUE / 2, 40, null,
                new SemanticVector("scope", "e", "how can i reset my password", Vectors.toBase64(new float[] {1, 0}))));
        restartWithSemantic(index, text -> Mono.just(new float[] {0.99f, 0.1f}));
    }

    @Test
    void aCallSentAgainForTheLlmItselfIsNotLookedUpButItsAnswerStillCarriesTheVector() throws Exception {
        restartWithAMatchInTheIndex();

        semanticRequest(P0, 0, new SemanticQuery("scope", QUESTION, 0.9, null, false).withoutLookup());
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        finish(P0, 0);

        awaitOutcomes(1);
        assertThat(outcomes().get(0).match()).as("no lookup, though the index has a match").isNull();
        assertThat(outcomes().get(0).vector().question()).isEqualTo(QUESTION);
    }

    @Test
    void aSemanticMatchAnswersWithoutCallingTheLlm() throws Exception {
        restartWithAMatchInTheIndex();

        semanticRequest(P0, 0);

        awaitOutcomes(1);
        assertThat(outcomes().get(0).match().matchedKey()).isEqualTo("cached");
        assertThat(outcomes().get(0).content()).isEqualTo("Click 'Forgot password'.");
        assertThat(calls).isEmpty();
        assertThat(chunks()).isEmpty();
    }

    @Test
    void aMissCallsTheLlmAndItsAnswerCarriesTheQuestionsVector() throws Exception {
        restartWithSemantic(new SemanticIndex(10, 1 << 20, Clock.systemUTC()),
                text -> Mono.just(new float[] {0, 3}));

        semanticRequest(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        finish(P0, 0);

        awaitOutcomes(1);
        SemanticVector vector = outcomes().get(0).vector();
        assertThat(vector.question()).isEqualTo(QUESTION);
        assertThat(vector.scope()).isEqualTo("scope");
        assertThat(Vectors.fromBase64(vector.vector())).containsExactly(0, 1);
        assertThat(outcomes().get(0).match()).isNull();
    }

    @Test
    void aFailingEmbedderIsAnOrdinaryMissWhoseAnswerHasNoVector() throws Exception {
        restartWithSemantic(new SemanticIndex(10, 1 << 20, Clock.systemUTC()),
                text -> Mono.error(new IllegalStateException("embedder down")));

        semanticRequest(P0, 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        finish(P0, 0);

        awaitOutcomes(1);
        assertThat(outcomes().get(0).type()).isEqualTo(LlmResponse.Type.DONE);
        assertThat(outcomes().get(0).content()).isEqualTo("answer");
        assertThat(outcomes().get(0).vector()).isNull();
    }

    /** A rebalance, run by the consumer thread as a real one would be. */
    private void assign(TopicPartition... partitions) {
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(partitions)));
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.assignment().equals(Set.of(partitions)));
    }

    private void request(TopicPartition partition, long offset) {
        request(partition, offset, System.currentTimeMillis() + 60_000);
    }

    private void request(TopicPartition partition, long offset, long deadline) {
        request(partition, offset, deadline, "m");
    }

    private void request(TopicPartition partition, long offset, long deadline, String model) {
        request(partition, offset, deadline, model, null);
    }

    private void request(TopicPartition partition, long offset, ReplyRoute starterRoute) {
        request(partition, offset, System.currentTimeMillis() + 60_000, "m", starterRoute);
    }

    private void request(TopicPartition partition, long offset, long deadline, String model, ReplyRoute starterRoute) {
        String key = key(partition, offset);
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", model).put("key", key);
        LlmRequest.Starter starter = starterRoute == null ? null
                : new LlmRequest.Starter("reply-" + key, starterRoute, CacheOutcome.MISS, "client-" + key);
        consumer.addRecord(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, key,
                new LlmRequest(LlmRequest.SCHEMA_VERSION, key, "gen-" + key, model, body, 0, deadline, starter)));
    }

    private static PartitionInfo replyPartition(int partition) {
        return new PartitionInfo(REPLIES, partition, BROKER, new Node[] {BROKER}, new Node[] {BROKER});
    }

    /** What went straight to a starter. */
    private List<ProducerRecord<String, Object>> direct() {
        return producer.history().stream().filter(record -> record.topic().equals(REPLIES)).toList();
    }

    private List<LlmResponse> chunks() {
        return responses().filter(response -> response.type() == LlmResponse.Type.CHUNK).toList();
    }

    private java.util.stream.Stream<LlmResponse> responses() {
        return producer.history().stream().map(ProducerRecord::value)
                .filter(LlmResponse.class::isInstance).map(LlmResponse.class::cast);
    }

    private void finish(TopicPartition partition, long offset) {
        Sinks.Many<LlmStreamEvent> call = calls.get(key(partition, offset));
        call.tryEmitNext(new LlmStreamEvent.Delta("answer"));
        call.tryEmitNext(new LlmStreamEvent.Completed("stop", new Usage(1, 1, 2)));
        call.tryEmitComplete();
    }

    private void awaitOutcomes(int count) {
        await().atMost(Duration.ofSeconds(5)).until(() -> outcomes().size() == count);
    }

    private List<LlmResponse> outcomes() {
        return responses().filter(response -> response.type() != LlmResponse.Type.CHUNK).toList();
    }

    /** Lets the consumer thread run a few poll loops (acknowledgments are committed there). */
    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Long committed(TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? null : offset.offset();
    }

    private static String key(TopicPartition partition, long offset) {
        return "key-" + partition.partition() + "-" + offset;
    }
}
