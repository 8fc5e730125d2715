package dev.llmcache.standalone.broker;

import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the embedded broker before any service bean needs Kafka, unless
 * {@code spring.kafka.bootstrap-servers} (env {@code KAFKA_BOOTSTRAP_SERVERS}) names a cluster.
 *
 * <p>The broker is registered as a singleton of the context, so it is closed when the context
 * closes: after the services have stopped, never under them.
 */
public final class EmbeddedKafkaInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    static final String BOOTSTRAP = "spring.kafka.bootstrap-servers";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment env = context.getEnvironment();
        String configured = env.getProperty(BOOTSTRAP, "");
        if (!configured.isBlank()) {
            return;
        }
        String dataDir = env.getProperty("llmcache.standalone.data-dir", "./data");
        int port = env.getProperty("llmcache.standalone.kafka-port", Integer.class, 9092);
        Map<String, String> overrides = Binder.get(env)
                .bind("llmcache.standalone.broker", Bindable.mapOf(String.class, String.class)).orElse(Map.of());
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of(dataDir, "kafka"), port, overrides);
        env.getPropertySources().addFirst(new MapPropertySource("embedded-kafka",
                Map.of(BOOTSTRAP, broker.bootstrapServers())));
        context.getBeanFactory().registerSingleton("embeddedKafkaBroker", broker);
    }
}
