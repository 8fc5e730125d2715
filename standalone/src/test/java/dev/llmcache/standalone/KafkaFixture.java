package dev.llmcache.standalone;

import dev.llmcache.standalone.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * The one Kafka every integration test uses, started once per JVM.
 *
 * <p>By default the real embedded KRaft broker of the product, secured as managed clusters are:
 * its client listener requires SASL/SCRAM-SHA-512, so every pipeline test also proves that the
 * product runs on an authenticated cluster configured only through {@code spring.kafka.*}. With
 * {@code -Dllmcache.test.kafka=testcontainers}, on a machine with Docker, Testcontainers' Kafka
 * module instead (plaintext); the tests are the same.
 */
final class KafkaFixture {

    static final String USER = "llmcache";
    static final String PASSWORD = "llmcache-secret";

    private static String bootstrapServers;
    private static boolean secured;

    private KafkaFixture() {
    }

    static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            secured = !"testcontainers".equals(System.getProperty("llmcache.test.kafka"));
            bootstrapServers = secured ? startEmbedded() : startContainer();
        }
        return bootstrapServers;
    }

    /** What a client needs to connect: the servers, and the credentials if the broker is secured. */
    static Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (secured) {
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            config.put(SaslConfigs.SASL_MECHANISM, EmbeddedKafkaBroker.SCRAM);
            config.put(SaslConfigs.SASL_JAAS_CONFIG, EmbeddedKafkaBroker.jaasConfig(USER, PASSWORD));
        }
        return config;
    }

    /** A consumer in its own group reading from the beginning. */
    static Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = clientConfig();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    /** The same as Spring Boot properties: the only way the product is told how to connect. */
    static Map<String, String> springProperties(String password) {
        Map<String, String> properties = new HashMap<>();
        properties.put("spring.kafka.bootstrap-servers", bootstrapServers());
        if (secured) {
            properties.put("spring.kafka.security.protocol", "SASL_PLAINTEXT");
            properties.put("spring.kafka.properties.sasl.mechanism", EmbeddedKafkaBroker.SCRAM);
            properties.put("spring.kafka.properties.sasl.jaas.config", EmbeddedKafkaBroker.jaasConfig(USER, password));
        }
        return properties;
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createTempDirectory("llmcache-test-kafka");
            // Not closed at exit on purpose: the Spring context's own shutdown hook still needs it,
            // and hooks run concurrently. The JVM's exit ends it; its data is in a temp directory.
            return EmbeddedKafkaBroker.startSecured(dir, Map.of(USER, PASSWORD)).bootstrapServers();
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
