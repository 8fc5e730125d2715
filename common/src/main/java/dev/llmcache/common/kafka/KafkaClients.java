package dev.llmcache.common.kafka;

import dev.llmcache.common.topic.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.MicrometerProducerListener;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

/**
 * The one place every Kafka client of the product gets its configuration from, in three layers:
 *
 * <ol>
 *   <li>the product's <b>defaults</b> for that client (latency-critical settings such as
 *       {@code linger.ms=0} on answer producers);</li>
 *   <li>Spring Boot's {@code spring.kafka.*}: bootstrap servers, {@code security.*}, {@code ssl.*},
 *       {@code properties.*} (e.g. {@code sasl.mechanism}, {@code sasl.jaas.config}) and the
 *       {@code producer.*}, {@code consumer.*}, {@code admin.*} and {@code streams.*} sections,
 *       plus connection details and SSL bundles; these override the defaults;</li>
 *   <li>the settings a client <b>requires</b> to be correct (e.g. no auto-commit for the LLM
 *       worker, whose offsets are committed only once an outcome is published); a user value for
 *       one of these is ignored with a warning.</li>
 * </ol>
 */
public final class KafkaClients {

    private static final Logger log = LoggerFactory.getLogger(KafkaClients.class);

    /** As a required value: the setting must not be set at all (e.g. no {@code group.id}). */
    public static final Object ABSENT = new Object() {
        @Override
        public String toString() {
            return "(not set)";
        }
    };

    private final KafkaProperties properties;
    private final KafkaConnectionDetails connection;
    private final MeterRegistry meters;

    public KafkaClients(KafkaProperties properties, KafkaConnectionDetails connection, MeterRegistry meters) {
        this.properties = properties;
        this.connection = connection;
        this.meters = meters;
    }

    /** The configured bootstrap servers, for logs and health details. */
    public String bootstrapServers() {
        return String.join(",", connection.getBootstrapServers());
    }

    public Map<String, Object> producerConfig(String client, Map<String, ?> defaults, Map<String, ?> required) {
        Map<String, Object> user = properties.buildProducerProperties();
        connect(user, connection.getProducer());
        return layered(client, defaults, user, required, true);
    }

    public Map<String, Object> consumerConfig(String client, Map<String, ?> defaults, Map<String, ?> required) {
        Map<String, Object> user = properties.buildConsumerProperties();
        connect(user, connection.getConsumer());
        return layered(client, defaults, user, required, true);
    }

    public Map<String, Object> adminConfig(String client) {
        Map<String, Object> user = properties.buildAdminProperties();
        connect(user, connection.getAdmin());
        return layered(client, Map.of(), user, Map.of(), true);
    }

    /**
     * Kafka Streams: {@code spring.kafka.streams.*} (and the common sections) over the product's
     * defaults. The application id and state directory are the product's own settings (two
     * topologies run in the standalone product), so they are passed as required.
     *
     * @param overrides settings of this one application (e.g. {@code llmcache.processor.streams.*}),
     *                  applied over {@code spring.kafka.streams.*}
     */
    public Map<String, Object> streamsConfig(Map<String, ?> defaults, Map<String, ?> overrides,
                                             Map<String, ?> required) {
        Map<String, Object> user = properties.buildStreamsProperties();
        connect(user, connection.getStreams());
        user.putAll(overrides);
        Map<String, Object> config = layered("streams", defaults, user, required, false);
        // Two applications run in one JVM: a user's client id gets each application's id appended.
        Object clientId = user.get(CommonClientConfigs.CLIENT_ID_CONFIG);
        if (clientId != null) {
            config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId + "-" + required.get("application.id"));
        }
        return config;
    }

    /** A producer factory for one client of the product, with its metrics in Micrometer. */
    public <K, V> ProducerFactory<K, V> producerFactory(String client, Serializer<K> keys, Serializer<V> values,
                                                        Map<String, ?> defaults, Map<String, ?> required) {
        DefaultKafkaProducerFactory<K, V> factory =
                new DefaultKafkaProducerFactory<>(producerConfig(client, defaults, required), keys, values);
        factory.addListener(new MicrometerProducerListener<>(meters));
        return factory;
    }

    /**
     * A consumer factory for one topic. Values that cannot be read reach the container's error
     * handler instead of failing every poll ({@link ErrorHandlingDeserializer}).
     */
    public <K, V> ConsumerFactory<K, V> consumerFactory(String client, Topic<K, V> topic, Map<String, ?> defaults,
                                                        Map<String, ?> required) {
        return consumerFactory(client, new ErrorHandlingDeserializer<>(topic.keySerde().deserializer()),
                new ErrorHandlingDeserializer<>(topic.valueSerde().deserializer()), defaults, required);
    }

    public <K, V> ConsumerFactory<K, V> consumerFactory(String client, Deserializer<K> keys, Deserializer<V> values,
                                                        Map<String, ?> defaults, Map<String, ?> required) {
        DefaultKafkaConsumerFactory<K, V> factory =
                new DefaultKafkaConsumerFactory<>(consumerConfig(client, defaults, required), keys, values);
        factory.addListener(new MicrometerConsumerListener<>(meters));
        return factory;
    }

    private Map<String, Object> layered(String client, Map<String, ?> defaults, Map<String, Object> user,
                                        Map<String, ?> required, boolean setClientId) {
        Map<String, Object> config = new HashMap<>(defaults);
        config.putAll(user);
        required.forEach((key, value) -> {
            Object configured = user.get(key);
            if (configured != null && !configured.toString().equals(value.toString())) {
                log.warn("Kafka setting {}={} is ignored for client {}: the product needs {}", key, configured,
                        client, value);
            }
            if (value == ABSENT) {
                config.remove(key);
            } else {
                config.put(key, value);
            }
        });
        if (setClientId) {
            // One id per client (metrics, quotas, broker logs), under the user's client id if set.
            Object prefix = user.getOrDefault(CommonClientConfigs.CLIENT_ID_CONFIG, "llmcache");
            config.put(CommonClientConfigs.CLIENT_ID_CONFIG, prefix + "-" + client);
        }
        return config;
    }

    /** What Spring Boot's own client factories apply: connection details, security protocol, SSL bundle. */
    private static void connect(Map<String, Object> config, KafkaConnectionDetails.Configuration details) {
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", details.getBootstrapServers()));
        if (details.getSecurityProtocol() != null) {
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, details.getSecurityProtocol());
        }
        SslBundle bundle = details.getSslBundle();
        if (bundle != null) {
            config.put(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG, SslBundleSslEngineFactory.class);
            config.put(SslBundle.class.getName(), bundle);
        }
    }
}
