package dev.llmcache.processor;

import dev.llmcache.processor.app.ProcessorConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The query processor as its own deployable: needs {@code KAFKA_BOOTSTRAP_SERVERS}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ProcessorConfiguration.class)
public class ProcessorApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProcessorApplication.class, args);
    }
}
