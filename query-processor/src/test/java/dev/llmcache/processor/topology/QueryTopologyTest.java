package dev.llmcache.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticVector;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class QueryTopologyTest {

    private static final Topics TOPICS = new Topics("t.");
    private static final ReplyRoute REPLY = new ReplyRoute(TOPICS.answers().name(), ReplyRoute.ANY_PARTITION);
    private static final String KEY = "key-1";
    private static final TopologySettings SETTINGS =
            new TopologySettings(Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(1), 100, 3, Duration.ofSeconds(5));

    private TopologyTestDriver driver;
    private TestInputTopic<String, QueryRequest> queries;
    private TestInputTopic<String, LlmResponse> responses;
    private TestOutputTopic<String, Answer> answers;
    private TestOutputTopic<String, LlmRequest> llmRequests;
    private TestOutputTopic<String, CachedAnswer> cacheEntries;
    private TestInputTopic<String, CacheCommand> commands;

    @BeforeEach
    void setUp() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(QueryTopology.build(TOPICS, SETTINGS), config, Instant.ofEpochMilli(1_000_000));
        queries = input(TOPICS.queries());
        responses = input(TOPICS.llmResponses());
        answers = output(TOPICS.answers());
        llmRequests = output(TOPICS.llmRequests());
        cacheEntries = output(TOPICS.cacheEntries());
        commands = input(TOPICS.cacheCommands());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private <V> TestOutputTopic<String, V> output(Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    @Test
    void aMissStartsOneLlmCallAndTellsTheClientItIsAMiss() {
        send("r1", CacheDirectives.DEFAULT);

        assertThat(llmRequests.readValuesToList()).singleElement()
                .satisfies(r -> assertThat(r.generationId()).isEqualTo("r1"));
        assertThat(answers.readValuesToList()).singleElement()
                .satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.STARTED))
                .satisfies(a -> assertThat(a.outcome()).isEqualTo(CacheOutcome.MISS));
    }

    @Test
    void identicalQueriesInFlightShareOneCallAndEveryWaiterGetsEveryToken() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        send("r2", CacheDirectives.DEFAULT);
        respond(LlmResponse.chunk(call, "c1", 1, " world"));
        respond(LlmResponse.done(call, "c1", 2, "Hello world", "stop", Usage.of(3, 2), 10, 20));

        assertThat(llmRequests.isEmpty()).isTrue();
        List<KeyValue<String, Answer>> all = answers.readKeyValuesToList();
        assertThat(textFor("r1", all)).isEqualTo("Hello world");
        assertThat(textFor("r2", all)).isEqualTo("Hello world");
        assertThat(all).filteredOn(kv -> kv.key.equals("r2")).first()
                .satisfies(kv -> assertThat(kv.value.outcome()).isEqualTo(CacheOutcome.COALESCED));
        assertThat(all).as("one DONE record for both waiters").filteredOn(kv -> kv.value.type() == Answer.Type.DONE)
                .singleElement().satisfies(kv -> assertThat(kv.value.recipients()).containsExactlyInAnyOrder("r1", "r2"));
        // The chunk produced after r2 joined went out once, for both waiters.
        assertThat(all).filteredOn(kv -> kv.value.type() == Answer.Type.CHUNK && " world".equals(kv.value.delta()))
                .singleElement().satisfies(kv -> assertThat(kv.value.recipients()).containsExactlyInAnyOrder("r1", "r2"));
    }

    @Test
    void aRetriedCallWhoseAnswerContradictsTheTokensSentIsAnErrorAndIsNotCached() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        // The worker died; after the stall, another attempt of the same call answered differently.
        responses.advanceTime(Duration.ofSeconds(6));
        respond(LlmResponse.done(call, "c2", 0, "Goodbye", "stop", Usage.of(1, 1), 1, 1));

        assertThat(answers.readValuesToList()).last()
                .satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.ERROR));
        assertThat(cacheEntries.isEmpty()).as("nothing cached").isTrue();
    }

    @Test
    void aQueryProcessedAgainAfterACrashDoesNotWaitTwice() {
        send("r1", CacheDirectives.DEFAULT);
        send("r2", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        answers.readValuesToList();
        // At-least-once: both queries are delivered again.
        send("r1", CacheDirectives.DEFAULT);
        send("r2", CacheDirectives.DEFAULT);

        assertThat(answers.readValuesToList()).as("only their STARTED again (ingest drops what arrived)")
                .extracting(Answer::type).containsOnly(Answer.Type.STARTED);

        respond(LlmResponse.chunk(call, "c1", 0, "Hi"));

        List<KeyValue<String, Answer>> all = answers.readKeyValuesToList();
        assertThat(all).singleElement().satisfies(kv -> assertThat(kv.value.recipients())
                .containsExactlyInAnyOrder("r1", "r2"));
        assertThat(llmRequests.isEmpty()).as("no second call").isTrue();
    }

    @Test
    void aStormOfJoinersGetsEachSharedChunkInRecordsOfBoundedSize() {
        int waiters = Replies.MAX_RECIPIENTS * 2 + 10;
        for (int i = 0; i < waiters; i++) {
            send("r" + i, CacheDirectives.DEFAULT);
        }
        LlmRequest call = llmRequests.readValue();
        answers.readValuesToList();

        respond(LlmResponse.chunk(call, "c1", 0, "Hi"));

        List<Answer> chunks = answers.readValuesToList();
        assertThat(chunks).hasSize(3).allSatisfy(chunk -> assertThat(chunk.recipients())
                .hasSizeLessThanOrEqualTo(Replies.MAX_RECIPIENTS));
        List<String> recipients = chunks.stream().flatMap(chunk -> chunk.recipients().stream()).toList();
        assertThat(recipients).as("every waiter gets the chunk once").hasSize(waiters).doesNotHaveDuplicates();
    }

    @Test
    void everyChunkSaysWhereItsTextStartsInTheAnswerTheSameForEveryWaiter() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        send("r2", CacheDirectives.DEFAULT);
        respond(LlmResponse.chunk(call, "c1", 1, " world"));

        List<Answer> chunks = answers.readValuesToList().stream().filter(a -> a.type() == Answer.Type.CHUNK).toList();
        assertThat(chunks).extracting(Answer::delta, Answer::at)
                .containsExactly(tuple("Hello", 0), tuple("Hello", 0), tuple(" world", 5));
    }

    @Test
    void anotherAttemptTakesOverAStalledStreamAndSendsOnlyTheTextBeyondWhatWasSent() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        respond(LlmResponse.chunk(call, "c1", 1, " wor"));
        // The worker running c1 died; after the stall, a re-run (c2) streams from the beginning.
        responses.advanceTime(Duration.ofSeconds(6));
        respond(LlmResponse.chunk(call, "c2", 0, "Hello"));
        respond(LlmResponse.chunk(call, "c2", 1, " world"));
        respond(LlmResponse.done(call, "c2", 2, "Hello world", "stop", Usage.of(1, 2), 1, 1));

        List<Answer> all = answers.readValuesToList();
        assertThat(all).filteredOn(a -> a.type() == Answer.Type.CHUNK).extracting(Answer::delta, Answer::at)
                .containsExactly(tuple("Hello", 0), tuple(" wor", 5), tuple("ld", 9));
        assertThat(all).last().satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.DONE));
        assertThat(cacheEntries.readValue().content()).isEqualTo("Hello world");
    }

    @Test
    void aDuplicateAttemptThatAnswersOtherwiseIsIgnoredWhileThePinnedOneStillStreams() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        respond(LlmResponse.done(call, "c2", 0, "Goodbye", "stop", Usage.of(1, 1), 1, 1));
        respond(LlmResponse.done(call, "c1", 1, "Hello world", "stop", Usage.of(1, 2), 1, 1));

        assertThat(textFor("r1", answers.readKeyValuesToList())).isEqualTo("Hello world");
        assertThat(cacheEntries.readValue().content()).isEqualTo("Hello world");
    }

    @Test
    void anotherAttemptIsIgnoredWhileThePinnedOneStillStreams() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        respond(LlmResponse.chunk(call, "c2", 0, "Howdy"));

        assertThat(answers.readValuesToList()).filteredOn(a -> a.type() != Answer.Type.STARTED)
                .extracting(Answer::delta).containsExactly("Hello");
    }

    @Test
    void aTakingOverAttemptThatContradictsTheSentTextEndsTheCallWithAnError() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hello"));
        responses.advanceTime(Duration.ofSeconds(6));
        respond(LlmResponse.chunk(call, "c2", 0, "Howdy"));

        assertThat(answers.readValuesToList()).last()
                .satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.ERROR));
        respond(LlmResponse.done(call, "c2", 1, "Howdy partner", "stop", Usage.of(1, 2), 1, 1));
        assertThat(cacheEntries.isEmpty()).as("the call ended: its late answer is not cached").isTrue();
    }

    @Test
    void aCallNobodyJoinedStreamsToItsStarterWithoutWaiterRecords() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hi"));

        assertThat(waiterRecords()).isEmpty();
        respond(LlmResponse.done(call, "c1", 1, "Hi", "stop", Usage.of(1, 1), 1, 1));
        assertThat(textFor("r1", answers.readKeyValuesToList())).isEqualTo("Hi");
    }

    @Test
    void joinersAreRecordedApartAndRemovedWhenTheCallEnds() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        send("r2", CacheDirectives.DEFAULT);
        send("r3", CacheDirectives.DEFAULT);

        assertThat(waiterRecords()).containsExactly(KEY + "|r2", KEY + "|r3");
        respond(LlmResponse.done(call, "c1", 0, "Hi", "stop", Usage.of(1, 1), 1, 1));
        assertThat(waiterRecords()).isEmpty();
        List<KeyValue<String, Answer>> all = answers.readKeyValuesToList();
        assertThat(List.of("r1", "r2", "r3")).allSatisfy(r -> assertThat(textFor(r, all)).isEqualTo("Hi"));
    }

    @Test
    void aCallStartedByThePreviousVersionStillAnswersItsStarterAfterAnUpgrade() {
        // Before the starter was kept in the entry, every waiter had a record of its own.
        String legacyJson = """
                {"generationId":"old","namespace":"tenant","model":"m","startedAt":1,"deadline":9999999999999,
                 "store":true,"ttlMillis":60000,"pinnedCallId":null,"nextSeq":0,"text":""}""";
        InflightEntry legacy = JsonSerde.of(InflightEntry.class).deserializer()
                .deserialize("changelog", legacyJson.getBytes(StandardCharsets.UTF_8));
        assertThat(legacy.starter()).isNull();
        driver.getKeyValueStore(StoreNames.INFLIGHT).put(KEY, legacy);
        driver.getKeyValueStore(StoreNames.INFLIGHT_WAITERS).put(KEY + "|old",
                new Waiter("old", REPLY, CacheOutcome.MISS, 1, null));

        respond(new LlmResponse(LlmResponse.SCHEMA_VERSION, KEY, "old", "c1", 0, LlmResponse.Type.DONE, null,
                "Hi", "stop", Usage.of(1, 1), null, 1L, 1L, null, null, null, null));

        assertThat(textFor("old", answers.readKeyValuesToList())).isEqualTo("Hi");
        assertThat(waiterRecords()).isEmpty();
    }

    @Test
    void aCompleteAnswerIsCachedAndTheNextQueryIsAHit() {
        completeOneCall("r1", "cached text");

        send("r2", CacheDirectives.DEFAULT);

        assertThat(llmRequests.isEmpty()).isTrue();
        assertThat(answers.readValuesToList()).singleElement()
                .satisfies(a -> assertThat(a.outcome()).isEqualTo(CacheOutcome.HIT))
                .satisfies(a -> assertThat(a.content()).isEqualTo("cached text"));
    }

    @Test
    void aFailedCallIsNotCachedAndEveryWaiterGetsTheError() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        send("r2", CacheDirectives.DEFAULT);
        answers.readValuesToList();
        respond(LlmResponse.error(call, "c1", 0, ErrorInfo.upstream("boom"), 5));

        assertThat(answers.readValuesToList()).hasSize(2)
                .allSatisfy(a -> assertThat(a.error().status()).isEqualTo(502));
        assertThat(cacheEntries.isEmpty()).isTrue();
        send("r3", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(1);
    }

    @Test
    void noCacheSkipsTheLookupAndRefreshesTheEntry() {
        completeOneCall("r1", "old");

        send("r2", new CacheDirectives(true, false, null, null));
        LlmRequest refresh = llmRequests.readValue();
        assertThat(answers.readValue().outcome()).isEqualTo(CacheOutcome.BYPASS);
        respond(LlmResponse.done(refresh, "c2", 0, "new", "stop", Usage.of(1, 1), 1, 1));
        answers.readValuesToList();

        send("r3", CacheDirectives.DEFAULT);
        assertThat(answers.readValue().content()).isEqualTo("new");
    }

    @Test
    void noStoreAnswersButDoesNotCache() {
        send("r1", new CacheDirectives(false, true, null, null));
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.done(call, "c1", 0, "private", "stop", Usage.of(1, 1), 1, 1));

        assertThat(cacheEntries.isEmpty()).isTrue();
        send("r2", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(1);
    }

    @Test
    void maxAgeRejectsAnOlderEntry() {
        completeOneCall("r1", "aging");
        driver.advanceWallClockTime(Duration.ofSeconds(10));

        send("r2", new CacheDirectives(false, false, 5L, null));

        assertThat(llmRequests.readValuesToList()).hasSize(1);
        assertThat(answers.readValue().outcome()).isEqualTo(CacheOutcome.MISS);
    }

    @Test
    void theExpiryPunctuatorPurgesEntriesAndPublishesTombstones() {
        send("r1", new CacheDirectives(false, false, null, 5L));
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.done(call, "c1", 0, "short-lived", "stop", Usage.of(1, 1), 1, 1));
        assertThat(cacheEntries.readValue().expiresAt()).isEqualTo(1_000_000 + 5_000);

        driver.advanceWallClockTime(Duration.ofSeconds(6));

        KeyValue<String, CachedAnswer> tombstone = cacheEntries.readKeyValue();
        assertThat(tombstone.key).isEqualTo(KEY);
        assertThat(tombstone.value).isNull();
        assertThat(driver.getKeyValueStore(StoreNames.CACHE).get(KEY)).isNull();
        send("r2", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(1);
    }

    @Test
    void aDeletedEntryIsTombstonedAtOnceAndTheNextQueryCallsTheLlm() {
        completeOneCall("r1", "cached");

        commands.pipeInput(KEY, CacheCommand.delete("cmd-1", KEY, 1_000_000));

        KeyValue<String, CachedAnswer> tombstone = cacheEntries.readKeyValue();
        assertThat(tombstone.key).isEqualTo(KEY);
        assertThat(tombstone.value).isNull();
        send("r2", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(1);
    }

    @Test
    void anInvalidationHoldsAtOnceAndItsSweepTombstonesOnlyTheEntriesItMatches() {
        KeyValueStore<String, CachedAnswer> store = driver.getKeyValueStore(StoreNames.CACHE);
        for (int i = 0; i < CacheCommandProcessor.SWEEP_BATCH + 5; i++) {
            String namespace = i % 2 == 0 ? "tenant" : "other";
            store.put("k" + i, new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "k" + i, namespace, "m", "a", "stop",
                    Usage.of(1, 1), 999_000, 999_000 + 3_600_000, 1, null));
        }
        store.put(KEY, new CachedAnswer(CachedAnswer.SCHEMA_VERSION, KEY, "tenant", "m", "a", "stop",
                Usage.of(1, 1), 999_000, 999_000 + 3_600_000, 1, null));

        commands.pipeInput("cmd-2", CacheCommand.invalidate("cmd-2", "tenant", null, null, 1_000_000));
        send("r1", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).as("in force before the sweep reached the entry").hasSize(1);
        driver.advanceWallClockTime(CacheCommandProcessor.SWEEP_INTERVAL);
        driver.advanceWallClockTime(CacheCommandProcessor.SWEEP_INTERVAL);

        List<KeyValue<String, CachedAnswer>> tombstones = cacheEntries.readKeyValuesToList();
        assertThat(tombstones).allSatisfy(kv -> assertThat(kv.value).isNull());
        assertThat(tombstones).extracting(kv -> kv.key).doesNotHaveDuplicates()
                .hasSize((CacheCommandProcessor.SWEEP_BATCH + 5 + 1) / 2 + 1);
        assertThat(store.get("k1")).as("another namespace's entry stays").isNotNull();
        assertThat(store.get("k0")).isNull();
    }

    @Test
    void theAnswerOfACallThatStartedBeforeAnInvalidationIsDeliveredButNotCached() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        commands.pipeInput("cmd-3", CacheCommand.invalidate("cmd-3", "tenant", null, null, 1_000_500));
        driver.advanceWallClockTime(CacheCommandProcessor.SWEEP_INTERVAL);

        respond(LlmResponse.done(call, "c1", 0, "from before", "stop", Usage.of(1, 1), 1, 1));

        assertThat(textFor("r1", answers.readKeyValuesToList())).isEqualTo("from before");
        assertThat(cacheEntries.readValuesToList()).as("swept already, yet still in force").isEmpty();
        send("r2", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(1);
    }

    @Test
    void anOverdueCallFailsItsWaitersWithATimeout() {
        send("r1", CacheDirectives.DEFAULT);
        answers.readValuesToList();

        driver.advanceWallClockTime(Duration.ofSeconds(31));

        assertThat(answers.readValuesToList()).singleElement()
                .satisfies(a -> assertThat(a.error().status()).isEqualTo(504));
        send("r2", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).hasSize(2);
    }

    @Test
    void chunksOfAnotherAttemptAreIgnoredButItsCompleteAnswerFinishesTheStream() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "first-attempt", 0, "Hello"));
        respond(LlmResponse.chunk(call, "retry", 0, "Hello"));
        respond(LlmResponse.chunk(call, "retry", 1, " there"));
        respond(LlmResponse.done(call, "retry", 2, "Hello there", "stop", Usage.of(1, 2), 1, 1));

        assertThat(textFor("r1", answers.readKeyValuesToList())).isEqualTo("Hello there");
    }

    @Test
    void aTruncatedAnswerIsNeverCached() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.done(call, "c1", 0, "filtered", "content_filter", Usage.of(1, 1), 1, 1));

        assertThat(cacheEntries.isEmpty()).isTrue();
    }

    @Test
    void anAnswerTheWorkerCutAtItsSizeLimitIsPassedOnButNotCached() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.cutOff(call, "c1", 0, "Very long", Usage.of(1, 1), 1, 1));

        assertThat(answers.readValuesToList()).last().satisfies(a -> {
            assertThat(a.type()).isEqualTo(Answer.Type.DONE);
            assertThat(a.finishReason()).isEqualTo("length");
        });
        assertThat(cacheEntries.isEmpty()).isTrue();
    }

    @Test
    void beyondItsCapacityTheCacheEvictsTheEntriesClosestToExpiry() {
        for (int i = 0; i < 4; i++) {
            String key = "key-cap-" + i;
            queries.pipeInput(key, query("cap-" + i, key, new CacheDirectives(false, false, null, 100L + i)));
            LlmRequest call = llmRequests.readValue();
            responses.pipeInput(key, LlmResponse.done(call, "c", 0, "answer " + i, "stop", Usage.of(1, 1), 1, 1));
        }

        assertThat(cacheEntries.readKeyValuesToList()).filteredOn(kv -> kv.value == null)
                .extracting(kv -> kv.key).containsExactly("key-cap-0");
        assertThat(driver.getKeyValueStore(StoreNames.CACHE).get("key-cap-0")).isNull();
        assertThat(driver.getKeyValueStore(StoreNames.CACHE).get("key-cap-3")).isNotNull();
    }

    @Test
    void theQuerysSemanticRequestTravelsWithItsLlmCall() {
        SemanticQuery semantic = new SemanticQuery("scope-1", "How do I reset my password?", 0.9, 60L, false);
        QueryRequest plain = query("r1", KEY, CacheDirectives.DEFAULT);
        queries.pipeInput(KEY, new QueryRequest(QueryRequest.SCHEMA_VERSION, "r1", "tenant", "tenant", "m", KEY,
                plain.body(), CacheDirectives.DEFAULT, REPLY, 0, "client-r1", semantic));

        assertThat(llmRequests.readValue().semantic()).isEqualTo(semantic);
    }

    @Test
    void anAnswerCarriesItsQuestionsVectorIntoTheCacheEntry() {
        send("r1", CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        SemanticVector vector = new SemanticVector("scope-1", "embedder", "question", "AACAPw==");

        respond(LlmResponse.done(call, "c1", 0, "text", "stop", Usage.of(1, 1), 1, 1).withVector(vector));

        assertThat(cacheEntries.readValue().semantic()).isEqualTo(vector);
    }

    private static final SemanticQuery SEMANTIC = new SemanticQuery("scope-1", "How do I reset my password?", 0.9,
            null, false);

    private void sendSemantic(String requestId, SemanticQuery semantic) {
        QueryRequest plain = query(requestId, KEY, CacheDirectives.DEFAULT);
        queries.pipeInput(KEY, new QueryRequest(QueryRequest.SCHEMA_VERSION, requestId, "tenant", "tenant", "m", KEY,
                plain.body(), CacheDirectives.DEFAULT, REPLY, 0, "client-" + requestId, semantic));
    }

    private static LlmResponse match(LlmRequest call, String callId, double similarity) {
        CachedAnswer matched = new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "other-key", "tenant", "m",
                "the other answer", "stop", Usage.of(3, 4), 900_000, 2_000_000, 10, null);
        return LlmResponse.semanticHit(call, callId, 0, matched, new SemanticMatch("other-key", similarity, 900_000),
                12);
    }

    @Test
    void aSemanticMatchAnswersEveryWaiterWholeAndIsNotCachedUnderTheQuerysKey() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        sendSemantic("r2", SEMANTIC);
        answers.readValuesToList();

        respond(match(call, "c1", 0.93));

        assertThat(answers.readValuesToList()).singleElement().satisfies(done -> {
            assertThat(done.type()).isEqualTo(Answer.Type.DONE);
            assertThat(done.recipients()).containsExactlyInAnyOrder("r1", "r2");
            assertThat(done.content()).isEqualTo("the other answer");
            assertThat(done.semantic()).isEqualTo(new SemanticMatch("other-key", 0.93, 900_000));
            assertThat(done.createdAt()).as("the matched entry's").isEqualTo(900_000);
            assertThat(done.timings().savedMillis()).isEqualTo(10);
        });
        assertThat(cacheEntries.isEmpty()).isTrue();
        assertThat(driver.getKeyValueStore(StoreNames.CACHE).get(KEY)).isNull();
        assertThat(driver.getKeyValueStore(StoreNames.INFLIGHT_SEMANTIC).get(KEY)).isNull();
        send("r3", CacheDirectives.DEFAULT);
        assertThat(llmRequests.readValuesToList()).as("the next query calls again").hasSize(1);
    }

    @Test
    void aJoinerThatDeclinesSemanticAnswersOrAsksMoreMakesTheCallAskTheLlmForEveryone() {
        for (SemanticQuery joiner : java.util.Arrays.asList(null, new SemanticQuery("scope-1", "q", 0.95, null, false),
                new SemanticQuery("scope-1", "q", 0.9, 10L, false))) {
            sendSemantic("r1", SEMANTIC);
            LlmRequest call = llmRequests.readValue();
            sendSemantic("r2", joiner);
            answers.readValuesToList();

            respond(match(call, "c1", 0.93));

            assertThat(answers.isEmpty()).as("nobody answered by the match").isTrue();
            LlmRequest again = llmRequests.readValue();
            assertThat(again.semantic()).as("embedded for the index, not looked up").isEqualTo(SEMANTIC.withoutLookup());
            assertThat(again.generationId()).isEqualTo(call.generationId());
            respond(LlmResponse.done(again, "c2", 0, "the LLM's own answer", "stop", Usage.of(1, 1), 1, 1));
            assertThat(textFor("r1", answers.readKeyValuesToList())).isEqualTo("the LLM's own answer");
            assertThat(cacheEntries.readValue().content()).isEqualTo("the LLM's own answer");
            tearDown();
            setUp(); // a fresh task for the next joiner
        }
    }

    @Test
    void aMatchOfAnEntryAnInvalidationRemovesIsNotUsed() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        answers.readValuesToList();
        commands.pipeInput("tenant", CacheCommand.invalidate("cmd-1", "tenant", null, null, 950_000));

        respond(match(call, "c1", 0.93));

        assertThat(answers.isEmpty()).isTrue();
        assertThat(llmRequests.readValue().semantic().embedOnly()).isTrue();
    }

    @Test
    void aMatchFromARerunAfterTextWasSentAsksTheLlmAgainAndTheStreamingAttemptStillFinishes() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hel"));
        answers.readValuesToList();

        respond(match(call, "c2", 0.93));

        assertThat(answers.isEmpty()).isTrue();
        assertThat(llmRequests.readValue().semantic().embedOnly()).as("in case the streaming attempt's worker died")
                .isTrue();
        respond(LlmResponse.done(call, "c1", 1, "Hello", "stop", Usage.of(1, 1), 1, 1));
        assertThat(answers.readValuesToList()).last().satisfies(done -> {
            assertThat(done.content()).isEqualTo("Hello");
            assertThat(done.semantic()).isNull();
        });
    }

    @Test
    void onceTheLlmWasAskedAnotherAttemptsMatchIsDroppedAndOnlyTheSameMatchAgainResendsTheRequest() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        sendSemantic("r2", null); // declines semantic answers
        answers.readValuesToList();
        respond(match(call, "c1", 0.93));
        assertThat(llmRequests.readValuesToList()).as("the LLM asked after all").hasSize(1);

        respond(match(call, "c2", 0.93)); // the first request re-run after a worker crash

        assertThat(llmRequests.isEmpty()).as("the LLM's call is under way: no second one").isTrue();
        assertThat(answers.isEmpty()).isTrue();
        respond(match(call, "c1", 0.93)); // the same match again: this task restarted before its commit
        assertThat(llmRequests.readValuesToList()).as("its request may have been lost").hasSize(1);
        respond(LlmResponse.chunk(call, "c3", 0, "Hel")); // the LLM's call streams
        respond(match(call, "c1", 0.93));
        assertThat(llmRequests.isEmpty()).as("an attempt streams: nothing was lost").isTrue();
    }

    @Test
    void aMatchWhoseSemanticStateWasLostIsDroppedWhileAnotherAttemptStreams() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.chunk(call, "c1", 0, "Hel")); // the lookup missed and the LLM streams
        answers.readValuesToList();
        driver.getKeyValueStore(StoreNames.INFLIGHT_SEMANTIC).delete(KEY);

        respond(match(call, "c2", 0.93)); // a re-run after a worker crash matched

        assertThat(answers.isEmpty()).as("no error for a stream that is fine").isTrue();
        respond(LlmResponse.done(call, "c1", 1, "Hello", "stop", Usage.of(1, 1), 1, 1));
        assertThat(answers.readValuesToList()).last().satisfies(done -> assertThat(done.content()).isEqualTo("Hello"));
    }

    @Test
    void aMatchForACallWhoseSemanticStateWasLostTellsTheWaitersToRetryInsteadOfLeavingThemWaiting() {
        sendSemantic("r1", SEMANTIC);
        LlmRequest call = llmRequests.readValue();
        answers.readValuesToList();
        driver.getKeyValueStore(StoreNames.INFLIGHT_SEMANTIC).delete(KEY);

        respond(match(call, "c1", 0.93));

        assertThat(answers.readValuesToList()).singleElement().satisfies(error -> {
            assertThat(error.type()).isEqualTo(Answer.Type.ERROR);
            assertThat(error.error().status()).isEqualTo(503);
            assertThat(error.error().code()).isEqualTo("state_lost");
        });
        assertThat(driver.getKeyValueStore(StoreNames.INFLIGHT).get(KEY)).isNull();
    }

    private List<String> waiterRecords() {
        List<String> keys = new ArrayList<>();
        try (var all = driver.<String, Waiter>getKeyValueStore(StoreNames.INFLIGHT_WAITERS).all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private void completeOneCall(String requestId, String content) {
        send(requestId, CacheDirectives.DEFAULT);
        LlmRequest call = llmRequests.readValue();
        respond(LlmResponse.done(call, "c-" + requestId, 0, content, "stop", Usage.of(1, 1), 1, 1));
        answers.readValuesToList();
        cacheEntries.readValuesToList();
    }

    private void send(String requestId, CacheDirectives directives) {
        queries.pipeInput(KEY, query(requestId, KEY, directives));
    }

    private static QueryRequest query(String requestId, String key, CacheDirectives directives) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m");
        return new QueryRequest(QueryRequest.SCHEMA_VERSION, requestId, "tenant", "tenant", "m", key,
                body, directives, REPLY, 0, "client-" + requestId);
    }

    private void respond(LlmResponse response) {
        responses.pipeInput(KEY, response);
    }

    /** The text a client would display: the streamed chunks, checked against the final content. */
    private static String textFor(String requestId, List<KeyValue<String, Answer>> all) {
        StringBuilder text = new StringBuilder();
        String done = null;
        for (KeyValue<String, Answer> kv : all) {
            if (!kv.value.recipients().contains(requestId)) {
                continue;
            }
            if (kv.value.type() == Answer.Type.CHUNK) {
                text.append(kv.value.delta());
            } else if (kv.value.type() == Answer.Type.DONE) {
                done = kv.value.content();
            }
        }
        assertThat(text.toString()).isEqualTo(done);
        return done;
    }
}
