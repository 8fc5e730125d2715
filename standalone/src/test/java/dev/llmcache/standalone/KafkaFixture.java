package dev.llmcache.standalone;

import dev.llmcache.standalone.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one Kafka every integration test uses, started once per JVM.
 *
 * <p>By default the real embedded KRaft broker of the product. With
 * {@code -Dllmcache.test.kafka=testcontainers}, on a machine with Docker, Testcontainers' Kafka
 * module instead; the tests are the same.
 */
final class KafkaFixture {

    private static String bootstrapServers;

    private KafkaFixture() {
    }

    static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = "testcontainers".equals(System.getProperty("llmcache.test.kafka"))
                    ? startContainer()
                    : startEmbedded();
        }
        return bootstrapServers;
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createTempDirectory("llmcache-test-kafka");
            // Not closed at exit on purpose: the Spring context's own shutdown hook still needs it,
            // and hooks run concurrently. The JVM's exit ends it; its data is in a temp directory.
            return EmbeddedKafkaBroker.start(dir, 0).bootstrapServers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String startContainer() {
        org.testcontainers.kafka.KafkaContainer kafka =
                new org.testcontainers.kafka.KafkaContainer("apache/kafka-native:4.2.0");
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop));
        return kafka.getBootstrapServers();
    }
}
