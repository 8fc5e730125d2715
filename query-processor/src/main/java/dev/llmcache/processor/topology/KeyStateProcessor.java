package dev.llmcache.processor.topology;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/** What the processors of the topology share: the per-key stores of their task and the reply sink. */
abstract class KeyStateProcessor<V> implements Processor<String, V, String, Object> {

    protected final TopologySettings settings;
    protected ProcessorContext<String, Object> context;
    protected CacheStore cache;
    protected InflightStore inflight;
    protected Invalidations invalidations;
    protected Replies replies;

    KeyStateProcessor(TopologySettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.cache = new CacheStore(context);
        this.inflight = new InflightStore(context);
        this.invalidations = new Invalidations(context);
        this.replies = new Replies(context);
    }
}
