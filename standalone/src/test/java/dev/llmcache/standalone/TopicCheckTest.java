package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.common.kafka.TopicCheck;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/** The start-up check against a real (secured) broker: what it accepts and how it refuses. */
class TopicCheckTest {

    @Test
    void acceptsTopicsThatExistWithOneDataPlanePartitionCount() throws Exception {
        Topics topics = new Topics("ok-" + UUID.randomUUID() + ".");
        create(topics.all(), 3);

        assertThatCode(() -> check(topics).start()).doesNotThrowAnyException();
    }

    @Test
    void refusesToStartWhenTopicsAreMissingAndNamesThem() throws Exception {
        Topics topics = new Topics("missing-" + UUID.randomUUID() + ".");
        create(topics.dataPlane(), 3);

        assertThatThrownBy(() -> check(topics).start())
                .hasMessageContaining("Kafka topics missing")
                .hasMessageContaining(topics.answers().name())
                .hasMessageContaining("spring.kafka.admin.auto-create");
    }

    @Test
    void refusesToStartWhenDataPlaneTopicsHaveDifferentPartitionCounts() throws Exception {
        Topics topics = new Topics("skewed-" + UUID.randomUUID() + ".");
        create(topics.all().stream().filter(t -> !t.name().equals(topics.llmResponses().name())).toList(), 3);
        create(List.of(topics.llmResponses()), 2);

        assertThatThrownBy(() -> check(topics).start())
                .hasMessageContaining("must have the same number of partitions")
                .hasMessageContaining(topics.llmResponses().name() + "=2");
    }

    private static TopicCheck check(Topics topics) {
        return new TopicCheck(Map.copyOf(KafkaFixture.clientConfig()), topics.all(), KafkaFixture.bootstrapServers(),
                10_000);
    }

    private static void create(List<? extends Topic<?, ?>> topics, int partitions) throws Exception {
        try (Admin admin = Admin.create(KafkaFixture.clientConfig())) {
            admin.createTopics(topics.stream().map(t -> t.newTopic(partitions, Optional.empty())).toList())
                    .all().get(30, TimeUnit.SECONDS);
        }
    }
}
