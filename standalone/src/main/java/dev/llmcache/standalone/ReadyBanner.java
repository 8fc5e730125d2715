package dev.llmcache.standalone;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationListener;

/** Logs the one line a user needs once the pipeline can answer: the URL to use. */
final class ReadyBanner implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(ReadyBanner.class);

    private final HealthIndicator processor;

    ReadyBanner(HealthIndicator processor) {
        this.processor = processor;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port", "8080");
        String kafka = event.getApplicationContext().getEnvironment().getProperty("spring.kafka.bootstrap-servers");
        String provider = event.getApplicationContext().getEnvironment().getProperty("llmcache.llm.provider");
        Thread waiter = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!Status.UP.equals(processor.health().getStatus()) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
            log.info("llmcache is ready at http://127.0.0.1:{}/v1 (OpenAI-compatible base URL; Kafka {}, LLM provider {})",
                    port, kafka, provider);
        }, "ready-banner");
        waiter.setDaemon(true);
        waiter.start();
    }
}
