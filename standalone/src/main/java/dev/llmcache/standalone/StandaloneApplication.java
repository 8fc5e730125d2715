package dev.llmcache.standalone;

import dev.llmcache.cache.app.CacheAdminConfiguration;
import dev.llmcache.cache.app.CacheServiceConfiguration;
import dev.llmcache.cache.app.RedisReplicaConfiguration;
import dev.llmcache.ingest.app.IngestConfiguration;
import dev.llmcache.processor.app.ProcessorConfiguration;
import dev.llmcache.processor.app.QueryProcessorStreams;
import dev.llmcache.processor.semantic.CalibrateSemantic;
import dev.llmcache.simulator.SimulatedLlmServer;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Everything in one JVM: an embedded Kafka broker (unless {@code KAFKA_BOOTSTRAP_SERVERS} is set),
 * the ingest edge, the query-processor topology and the LLM worker, and the cache-service
 * (analytics, stats API, dashboard).
 *
 * <p>{@code java -jar standalone.jar simulator [--port N]} runs only the simulated LLM as an
 * OpenAI-compatible server instead; {@code java -jar standalone.jar calibrate-semantic} measures the
 * semantic cache's threshold and guard on labelled question pairs ({@link CalibrateSemantic}).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableConfigurationProperties(StandaloneProperties.class)
@Import({IngestConfiguration.class, ProcessorConfiguration.class, CacheServiceConfiguration.class,
        CacheAdminConfiguration.class, RedisReplicaConfiguration.class})
public class StandaloneApplication {

    public static void main(String[] args) throws java.io.IOException {
        if (args.length > 0 && args[0].equals("simulator")) {
            SimulatedLlmServer.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("calibrate-semantic")) {
            CalibrateSemantic.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        SpringApplication.run(StandaloneApplication.class, args);
    }

    @Bean
    ReadyBanner readyBanner(QueryProcessorStreams processor) {
        return new ReadyBanner(processor);
    }
}
