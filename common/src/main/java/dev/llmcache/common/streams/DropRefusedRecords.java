package dev.llmcache.common.streams;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Streams app does with a record Kafka will never take (too large, invalid, not
 * serialisable): log it and go on. Kafka's default fails the thread, which is replaced and
 * re-processes the same input into the same refused record forever, wedging its partition.
 * Records are kept under the size limit by construction; this is the backstop. Passing faults
 * (a broker away) are handled as by Kafka's default: retried, or fatal. So is any error writing a
 * store's changelog or a repartition topic: dropping it would leave the store (and its standby
 * copies) out of step with what is restored after a failover.
 *
 * <p>Dropped records are counted by Kafka Streams' {@code dropped-records} task metric.
 */
public final class DropRefusedRecords implements ProductionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DropRefusedRecords.class);

    private final DefaultProductionExceptionHandler otherwise = new DefaultProductionExceptionHandler();

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception error) {
        if (!isInternal(record.topic())
                && (error instanceof RecordTooLargeException || error instanceof InvalidRecordException)) {
            log.error("Kafka refused a record for {} ({} bytes) produced by task {} from {}-{}@{}; it is dropped",
                    record.topic(), size(record), context.taskId(), context.topic(), context.partition(),
                    context.offset(), error);
            return Response.resume();
        }
        return otherwise.handleError(context, record, error);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception error,
                                             SerializationExceptionOrigin origin) {
        if (isInternal(record.topic())) {
            return otherwise.handleSerializationError(context, record, error, origin);
        }
        log.error("A record for {} could not be serialised ({}) by task {} from {}-{}@{}; it is dropped",
                record.topic(), origin, context.taskId(), context.topic(), context.partition(), context.offset(),
                error);
        return Response.resume();
    }

    /** A topic Kafka Streams keeps for itself: a store's changelog, a repartition topic. */
    private static boolean isInternal(String topic) {
        return topic.endsWith("-changelog") || topic.endsWith("-repartition");
    }

    private static long size(ProducerRecord<byte[], byte[]> record) {
        return (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        otherwise.configure(configs);
    }
}
