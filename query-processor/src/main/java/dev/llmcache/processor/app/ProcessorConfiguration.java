package dev.llmcache.processor.app;

import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.processor.config.ProcessorProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import dev.llmcache.common.metrics.MetricsConventions;

/** Spring wiring of the query processor: the topology and the LLM worker. */
@Configuration(proxyBeanMethods = false)
@Import(MetricsConventions.class)
@EnableConfigurationProperties({KafkaSettings.class, ProcessorProperties.class, LlmProperties.class})
public class ProcessorConfiguration {

    @Bean
    QueryProcessorStreams queryProcessorStreams(KafkaSettings kafka, ProcessorProperties properties,
                                                MeterRegistry meters) {
        return new QueryProcessorStreams(kafka, properties, meters);
    }

    @Bean
    @ConditionalOnProperty(name = "llmcache.processor.worker.enabled", matchIfMissing = true)
    LlmWorkerRunner llmWorkerRunner(KafkaSettings kafka, ProcessorProperties properties, LlmProperties llm,
                                    MeterRegistry meters) {
        return new LlmWorkerRunner(kafka, properties, llm, meters);
    }
}
