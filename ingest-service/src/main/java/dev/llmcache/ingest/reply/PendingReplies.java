package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The requests of this instance that wait for answers, by request id. The reply listener delivers
 * into it; each request's HTTP response reads its own answers as a {@link Flux}.
 */
public final class PendingReplies {

    private final Map<String, Sinks.Many<Answer>> waiting = new ConcurrentHashMap<>();
    private final int capacity;

    public PendingReplies(int capacity) {
        this.capacity = capacity;
    }

    /** Thrown when the instance already waits for as many answers as it may. */
    public static final class OverloadedException extends RuntimeException {
        OverloadedException(int capacity) {
            super("Too many requests in flight (" + capacity + ")");
        }
    }

    /** Thrown when the request id is already waiting for an answer. */
    public static final class DuplicateRequestIdException extends RuntimeException {
        DuplicateRequestIdException(String requestId) {
            super("A request with id " + requestId + " is already in flight");
        }
    }

    /**
     * Starts waiting for {@code requestId}. The flux ends after the terminal answer; the caller must
     * call {@link #release} when it stops listening (completion, error or client disconnect).
     */
    public Flux<Answer> register(String requestId) {
        if (waiting.size() >= capacity) {
            throw new OverloadedException(capacity);
        }
        Sinks.Many<Answer> sink = Sinks.many().unicast().onBackpressureBuffer();
        if (waiting.putIfAbsent(requestId, sink) != null) {
            throw new DuplicateRequestIdException(requestId);
        }
        return sink.asFlux();
    }

    /**
     * Delivers one answer to each request it is for; answers for requests nobody waits for (any
     * more) are dropped.
     */
    public void deliver(Answer answer) {
        for (String requestId : answer.recipients()) {
            Sinks.Many<Answer> sink = waiting.get(requestId);
            if (sink == null) {
                continue;
            }
            synchronized (sink) {
                sink.tryEmitNext(answer);
                if (answer.isTerminal()) {
                    waiting.remove(requestId, sink);
                    sink.tryEmitComplete();
                }
            }
        }
    }

    public void release(String requestId) {
        Sinks.Many<Answer> sink = waiting.remove(requestId);
        if (sink != null) {
            synchronized (sink) {
                sink.tryEmitComplete();
            }
        }
    }

    public int size() {
        return waiting.size();
    }
}
