package dev.llmcache.standalone;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The standalone product.
 *
 * @param dataDir   where the embedded broker and the state stores keep their data
 * @param kafkaPort client port of the embedded broker (used only when no external Kafka is configured)
 */
@ConfigurationProperties("llmcache.standalone")
public record StandaloneProperties(
        @DefaultValue("./data") String dataDir,
        @DefaultValue("9092") int kafkaPort) {
}
