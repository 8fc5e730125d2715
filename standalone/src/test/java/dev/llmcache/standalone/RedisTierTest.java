package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Redis edge tier with a real Redis and the product in a JVM of its own (memory tier off, so
 * that every edge hit is a Redis hit). A Redis hit sends no query to Kafka (the test counts the
 * {@code queries} topic's records of its tenant) and still produces one cache event; Redis
 * stopping, coming back empty and being flushed cost no request, and Redis hits come back by
 * themselves.
 */
class RedisTierTest extends PipelineTestBase {

    @Test
    void hitsComeFromRedisWithoutKafkaAndOutagesAndFlushesCostNoRequest() throws Exception {
        String deployment = "redis-" + UUID.randomUUID();
        try (RedisServer redis = RedisServer.start()) {
            Map<String, String> settings = new HashMap<>(KafkaFixture.springProperties(KafkaFixture.PASSWORD));
            settings.put("llmcache.redis.url", redis.url());
            settings.put("llmcache.ingest.edge.memory.enabled", "false");
            try (ProductInstance product = ProductInstance.start(deployment, UPSTREAM.baseUrl(), settings)) {
                product.awaitReady(Duration.ofSeconds(120));
                String tenant = "redis-" + UUID.randomUUID().toString().substring(0, 8);
                String prompt = uniquePrompt("redis tier");
                List<HttpResponse<String>> responses = new ArrayList<>();
                responses.add(product.ask(prompt, "X-Tenant-ID", tenant));
                assertThat(responses.get(0).headers().firstValue("X-Cache")).hasValue("MISS");

                responses.addAll(untilTier(() -> product.ask(prompt, "X-Tenant-ID", tenant), "redis", Duration.ofSeconds(15)));
                for (int i = 0; i < 3; i++) {
                    responses.add(product.ask(prompt, "X-Tenant-ID", tenant));
                }
                long fromRedis = responses.stream().filter(r -> "redis".equals(tier(r))).count();
                assertThat(fromRedis).isGreaterThanOrEqualTo(4);
                int throughKafka = (int) (responses.size() - fromRedis);
                assertThat(readTopic(deployment + ".queries", tenant, throughKafka)).as("queries through Kafka")
                        .hasSize(throughKafka);
                List<JsonNode> events = readTopic(deployment + ".cache-events", tenant, responses.size());
                assertThat(events).hasSize(responses.size());
                assertThat(events.stream().filter(e -> e.path("tier").asString().equals("REDIS")).count())
                        .isEqualTo(fromRedis);

                redis.stop();
                for (int i = 0; i < 20; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> answered = product.ask(prompt, "X-Tenant-ID", tenant);
                    assertThat(answered.statusCode()).as("Redis down costs no request").isEqualTo(200);
                    assertThat(answered.headers().firstValue("X-Cache")).hasValue("HIT");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                }

                redis.restart(); // empty, as a replaced server would be
                long restarted = System.nanoTime();
                untilTier(() -> product.ask(prompt, "X-Tenant-ID", tenant), "redis", Duration.ofSeconds(30));
                System.out.println("Redis tier: hits from Redis again " + Duration.ofNanos(System.nanoTime()
                        - restarted).toMillis() + " ms after it came back empty");

                redis.flushAll();
                long flushed = System.nanoTime();
                assertThat(tier(product.ask(prompt, "X-Tenant-ID", tenant))).isNotEqualTo("redis");
                untilTier(() -> product.ask(prompt, "X-Tenant-ID", tenant), "redis", Duration.ofSeconds(30));
                System.out.println("Redis tier: hits from Redis again " + Duration.ofNanos(System.nanoTime()
                        - flushed).toMillis() + " ms after a flush");
            }
        }
    }
}
