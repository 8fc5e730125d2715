package dev.llmcache.processor.app;

import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.serde.JsonSerde;
import dev.llmcache.common.topic.KafkaSettings;
import dev.llmcache.common.topic.TopicProvisioner;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.processor.config.ProcessorProperties;
import dev.llmcache.processor.llm.LlmRouter;
import dev.llmcache.processor.llm.LlmWorker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.context.SmartLifecycle;

/** Runs the {@link LlmWorker} poll loop on its own thread. */
public final class LlmWorkerRunner implements SmartLifecycle {

    private final KafkaSettings kafka;
    private final ProcessorProperties properties;
    private final LlmProperties llm;
    private final LlmRouter router;
    private final MeterRegistry meters;
    private final RequestTracing tracing;
    private volatile LlmWorker worker;
    private volatile Thread thread;

    public LlmWorkerRunner(KafkaSettings kafka, ProcessorProperties properties, LlmProperties llm, LlmRouter router,
                           MeterRegistry meters, RequestTracing tracing) {
        this.kafka = kafka;
        this.properties = properties;
        this.llm = llm;
        this.router = router;
        this.tracing = tracing;
        this.meters = meters;
    }

    @Override
    public void start() {
        TopicProvisioner.ensure(kafka, kafka.topics().dataPlane(), kafka.partitions());
        ProcessorProperties.Worker settings = properties.worker();
        KafkaConsumer<String, LlmRequest> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, settings.groupId(),
                // Offsets are committed by hand, only once a request's outcome is published.
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // A new worker group must not skip requests already waiting.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(500, settings.maxInflight())),
                new StringDeserializer(), JsonSerde.of(LlmRequest.class));
        KafkaProducer<String, LlmResponse> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                // Tokens are latency-critical; batching is done per call (chunkInterval), not by the producer.
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), JsonSerde.of(LlmResponse.class));
        // Warm the metadata so that the first send never waits for it.
        producer.partitionsFor(kafka.topics().llmResponses());
        new KafkaClientMetrics(consumer).bindTo(meters);
        new KafkaClientMetrics(producer).bindTo(meters);
        LlmWorker created = new LlmWorker(consumer, producer, router, kafka.topics().llmRequests(),
                kafka.topics().llmResponses(),
                new LlmWorker.Settings(settings.maxInflight(), settings.chunkInterval(), llm.timeouts()), meters, tracing);
        Gauge.builder("llmcache.llm.inflight", created, LlmWorker::inflight)
                .description("LLM calls running in this worker").register(meters);
        Thread started = new Thread(() -> {
            try {
                created.run();
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
        }, "llm-worker");
        started.start();
        worker = created;
        thread = started;
    }

    @Override
    public void stop() {
        LlmWorker running = worker;
        if (running != null) {
            running.stop();
            try {
                thread.join(Duration.ofSeconds(15).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker = null;
        }
    }

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public boolean isRunning() {
        return worker != null;
    }
}
