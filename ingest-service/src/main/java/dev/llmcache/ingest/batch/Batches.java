package dev.llmcache.ingest.batch;

import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.topic.Topics;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.app.IngestProperties;
import dev.llmcache.ingest.limits.RateLimiter;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.PendingReplies;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import reactor.core.Disposable;
import reactor.core.Disposables;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import dev.llmcache.ingest.auth.ApiKeys;
import reactor.core.publisher.Flux;

/** Assembles the batch runner from the product's parts (the Spring wiring's one entry here). */
public final class Batches {

    /** Room in a line beyond its body: {@code custom_id}, {@code method}, {@code url}. */
    private static final int LINE_ENVELOPE_BYTES = 64 * 1024;
    /** How often the throttle looks at the CPU. */
    private static final Duration THROTTLE_INTERVAL = Duration.ofMillis(500);

    private Batches() {
    }

    public static BatchRunner runner(KafkaClients clients, Topics topics, FileStore files, BatchStore batches,
                                     KafkaPublisher publisher, QueryGateway gateway, RateLimiter limiter,
                                     PendingReplies pending, ApiKeys keys, IngestProperties properties, Clock clock,
                                     MeterRegistry meters) {
        IngestProperties.Batch settings = properties.batch();
        int lineRoom = (int) Math.max(1, properties.maxInflightRequests() * settings.inflightShare());
        BatchThrottle throttle = new BatchThrottle(settings.concurrency(), settings.cpuTarget(), Batches::cpuLoad,
                gateway::liveRequests);
        Disposable control = Flux.interval(THROTTLE_INTERVAL).subscribe(tick -> throttle.adjust());
        Gauge.builder("llmcache.batches.lines.limit", throttle, BatchThrottle::limit)
                .description("Batch lines this instance may run at once now (the throttle's limit)").register(meters);
        Gauge.builder("llmcache.batches.lines.running", throttle, BatchThrottle::running)
                .description("Batch lines running on this instance").register(meters);
        // Lines' answers are handed over here, in order, not on the reply listener's thread.
        ExecutorService answers = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "batch-answers");
            thread.setDaemon(true);
            return thread;
        });
        LineRunner lines = new LineRunner(gateway, limiter, throttle, pending::size, lineRoom, keys::current, answers);
        PartitionReader reader = new PartitionReader(clients);
        int maxLineBytes = (int) Math.min(Integer.MAX_VALUE / 2, properties.maxBodySize().toBytes() + LINE_ENVELOPE_BYTES);
        return new BatchRunner(topics.batchResults().name(), (resultsPartitions, state, onEnd) -> new BatchRun(state,
                new BatchWork(files, batches, reader, publisher, topics.batchResults(), resultsPartitions, lines,
                        settings.concurrency(), settings.maxLines(), maxLineBytes, clock), onEnd),
                Disposables.composite(control, answers::shutdown));
    }

    /** The machine's recent CPU load, 0..1 (the container's, where the JVM sees one); negative if unknown. */
    private static double cpuLoad() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os ? os.getCpuLoad() : -1;
    }
}
