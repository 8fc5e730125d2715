package dev.llmcache.common.serde;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a value, or null if it cannot be read (logged): for consumers that must still account for
 * every offset, such as the LLM worker, which commits a partition only up to its oldest unfinished record.
 */
public final class NullOnErrorDeserializer<T> implements Deserializer<T> {

    private static final Logger log = LoggerFactory.getLogger(NullOnErrorDeserializer.class);

    private final Deserializer<T> delegate;

    public NullOnErrorDeserializer(Deserializer<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        try {
            return delegate.deserialize(topic, headers, data);
        } catch (SerializationException e) {
            log.error("Unreadable record on {} skipped: {}", topic, e.getMessage());
            return null;
        }
    }
}
