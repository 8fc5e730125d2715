package dev.llmcache.ingest;

import dev.llmcache.ingest.app.IngestConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The ingest edge as its own deployable: needs {@code KAFKA_BOOTSTRAP_SERVERS}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(IngestConfiguration.class)
public class IngestApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestApplication.class, args);
    }
}
