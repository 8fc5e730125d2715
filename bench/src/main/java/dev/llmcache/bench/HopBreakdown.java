package dev.llmcache.bench;

import dev.llmcache.common.serde.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.JsonNode;

/**
 * Where the time to first token of a streaming miss goes, hop by hop: sequential misses with
 * unique prompts, then the timestamps of their records on the four topics a first token crosses
 * ({@code queries}, {@code llm-requests}, {@code llm-responses}, {@code answers}), set by each
 * producer when it sent the record, against the client's own send and first-token times. The
 * product and this generator share one machine and one clock; timestamps are milliseconds.
 */
final class HopBreakdown {

    /** One miss, as its records and its client saw it (epoch milliseconds). */
    record Miss(long clientStart, long queryCreated, long query, long llmRequest, long firstLlmResponse,
                long upstreamFirstToken, long firstAnswer, long clientFirstToken) {
    }

    /** One store-tier hit (epoch milliseconds). */
    record Hit(long clientStart, long queryCreated, long query, long answer, long clientFirstByte) {
    }

    private static final List<String> TOPICS = List.of("queries", "llm-requests", "llm-responses", "answers");

    private HopBreakdown() {
    }

    /**
     * @return lines for the report: each hop's p50 and p90 over the misses
     */
    static List<String> measure(ChatClient pipeline, String kafka, String topicPrefix, String model, Prompts prompts,
                                int misses) {
        Map<String, Long> endOffsets = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
            for (TopicPartition partition : partitions(consumer, topicPrefix)) {
                endOffsets.put(partition.toString(), consumer.endOffsets(List.of(partition)).get(partition));
            }
        }
        // At least 40 of each, whatever the suite's size: medians of a handful say little.
        misses = Math.max(misses, 40);
        List<String> unique = new ArrayList<>();
        for (int i = 0; i < misses; i++) {
            unique.add(prompts.unique("hops", i));
        }
        Map<String, long[]> missTimes = send(pipeline, model, unique, true);
        // The same prompts again, one at a time, non-streaming: hits from the processor's store.
        Map<String, long[]> hitTimes = send(pipeline, model, unique, false);
        Records records = read(kafka, topicPrefix, endOffsets, missTimes.keySet());
        List<Miss> seen = new ArrayList<>();
        List<Hit> hits = new ArrayList<>();
        missTimes.forEach((prompt, times) -> {
            String key = records.keyOfPrompt.get(prompt);
            List<long[]> queries = records.queries.get(key);
            if (key != null && queries != null && records.llmRequest.containsKey(key)
                    && records.upstreamFirstToken.containsKey(key) && records.answers.containsKey(key)) {
                seen.add(new Miss(times[0], queries.get(0)[0], queries.get(0)[1], records.llmRequest.get(key),
                        records.firstLlmResponse.get(key), records.upstreamFirstToken.get(key),
                        records.answers.get(key).get(0), times[1]));
            }
            long[] hitAt = hitTimes.get(prompt);
            if (hitAt != null && queries != null && queries.size() > 1 && records.answers.get(key).size() > 1) {
                hits.add(new Hit(hitAt[0], queries.get(1)[0], queries.get(1)[1], records.answers.get(key).get(1),
                        hitAt[1]));
            }
        });
        return List.of(
                String.format(Locale.ROOT, "Time to first token of %d sequential streaming misses, hop by hop "
                        + "(record timestamps, ms, p50 / p90): %s", seen.size(), String.join("; ", List.of(
                        hop(seen, "client and ingest: request sent → query built", m -> m.queryCreated() - m.clientStart()),
                        hop(seen, "ingest: query built → produced", m -> m.query() - m.queryCreated()),
                        hop(seen, "processor: query → LLM request produced", m -> m.llmRequest() - m.query()),
                        hop(seen, "worker: LLM request → upstream call started",
                                m -> m.firstLlmResponse() - m.llmRequest() - m.upstreamFirstToken()),
                        hop(seen, "upstream: first token", Miss::upstreamFirstToken),
                        hop(seen, "processor: first LLM response → first answer",
                                m -> m.firstAnswer() - m.firstLlmResponse()),
                        hop(seen, "ingest and client: first answer → client's first token",
                                m -> m.clientFirstToken() - m.firstAnswer()),
                        hop(seen, "overhead over the upstream's first token",
                                m -> m.clientFirstToken() - m.clientStart() - m.upstreamFirstToken())))),
                String.format(Locale.ROOT, "The same prompts again as %d sequential store-tier hits (ms, p50 / p90; "
                        + "%d answered, %d keys queried twice, %d answered twice): %s", hits.size(), hitTimes.size(),
                        records.queries.values().stream().filter(q -> q.size() > 1).count(),
                        records.answers.values().stream().filter(a -> a.size() > 1).count(), String.join("; ", List.of(
                        hop(hits, "client and ingest: request sent → query built", h -> h.queryCreated() - h.clientStart()),
                        hop(hits, "ingest: query built → produced", h -> h.query() - h.queryCreated()),
                        hop(hits, "processor: query → answer produced", h -> h.answer() - h.query()),
                        hop(hits, "ingest and client: answer → client's first byte", h -> h.clientFirstByte() - h.answer()),
                        hop(hits, "total", h -> h.clientFirstByte() - h.clientStart())))));
    }

    /** Sends one request per prompt, one at a time; client send and first-byte times by prompt (epoch ms). */
    private static Map<String, long[]> send(ChatClient pipeline, String model, List<String> prompts, boolean stream) {
        // Epoch milliseconds of nanoTime 0, to put the client's times on the records' clock.
        long epochOfNanoZero = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        Map<String, long[]> times = new LinkedHashMap<>();
        for (String prompt : prompts) {
            long start = System.nanoTime();
            RequestResult result = pipeline.send(ChatClient.body(model, prompt, stream), stream, start, false).block();
            if (result != null && result.ok()) {
                times.put(prompt, new long[] {epochOfNanoZero + start / 1_000_000,
                        epochOfNanoZero + result.firstByteNanos() / 1_000_000});
            }
        }
        return times;
    }

    private static <T> String hop(List<T> samples, String name, ToLongFunction<T> millis) {
        long[] values = samples.stream().mapToLong(millis).sorted().toArray();
        if (values.length == 0) {
            return name + " n/a";
        }
        return String.format(Locale.ROOT, "%s %d / %d", name, values[values.length / 2],
                values[Math.min(values.length - 1, (int) Math.ceil(values.length * 0.9) - 1)]);
    }

    /** What the topics say about the prompts' keys, in record order. */
    private static final class Records {
        final Map<String, String> keyOfPrompt = new HashMap<>();
        /** Per key, each query's {built at, produced at}. */
        final Map<String, List<long[]>> queries = new HashMap<>();
        final Map<String, Long> llmRequest = new HashMap<>();
        final Map<String, Long> firstLlmResponse = new HashMap<>();
        final Map<String, Long> upstreamFirstToken = new HashMap<>();
        /** Per key, the first content record (CHUNK or DONE) of each request. */
        final Map<String, List<Long>> answers = new HashMap<>();
    }

    private static Records read(String kafka, String topicPrefix, Map<String, Long> startOffsets,
                                java.util.Set<String> prompts) {
        Records found = new Records();
        Map<String, java.util.Set<String>> answeredRequests = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
            List<TopicPartition> partitions = partitions(consumer, topicPrefix);
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            partitions.forEach(p -> consumer.seek(p, startOffsets.getOrDefault(p.toString(), 0L)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode value = record.value() == null ? null : Json.MAPPER.readTree(record.value());
                    if (value == null) {
                        continue;
                    }
                    String topic = record.topic().substring(topicPrefix.length());
                    String key = value.path("cacheKey").asString("");
                    switch (topic) {
                        case "queries" -> {
                            String prompt = value.path("body").path("messages").path(0).path("content").asString("");
                            if (prompts.contains(prompt)) {
                                found.keyOfPrompt.put(prompt, key);
                                found.queries.computeIfAbsent(key, k -> new ArrayList<>())
                                        .add(new long[] {value.path("receivedAt").asLong(), record.timestamp()});
                            }
                        }
                        case "llm-requests" -> found.llmRequest.putIfAbsent(key, record.timestamp());
                        case "llm-responses" -> {
                            found.firstLlmResponse.putIfAbsent(key, record.timestamp());
                            // The call's own time to first token (from its start) comes with its DONE.
                            if (value.path("type").asString("").equals("DONE")) {
                                found.upstreamFirstToken.put(key, value.path("firstTokenMillis").asLong(0));
                            }
                        }
                        case "answers" -> {
                            String type = value.path("type").asString("");
                            // Shared chunks name their waiters in requestIds instead.
                            String request = value.path("requestId").isString() ? value.path("requestId").asString()
                                    : value.path("requestIds").toString();
                            if ((type.equals("CHUNK") || type.equals("DONE"))
                                    && answeredRequests.computeIfAbsent(key, k -> new java.util.HashSet<>()).add(request)) {
                                found.answers.computeIfAbsent(key, k -> new ArrayList<>()).add(record.timestamp());
                            }
                        }
                        default -> { }
                    }
                }
            }
        }
        return found;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, String topicPrefix) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : TOPICS) {
            for (PartitionInfo info : consumer.partitionsFor(topicPrefix + topic)) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
        }
        return partitions;
    }

    private static KafkaConsumer<String, String> consumer(String kafka) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", kafka, "enable.auto.commit", false,
                "max.partition.fetch.bytes", 4 << 20), new StringDeserializer(), new StringDeserializer());
    }
}
