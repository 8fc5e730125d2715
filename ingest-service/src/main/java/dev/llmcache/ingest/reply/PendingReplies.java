package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The requests of this instance that wait for answers, by request id. The reply listener delivers
 * into it; each request's HTTP response reads its own answers as a {@link Flux}.
 */
public final class PendingReplies {

    /** One waiting request: where its answers go, and the thread they are handed over on. */
    private record Waiter(Sinks.Many<Answer> sink, Executor executor) {
    }

    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
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
     *
     * @param deliverOn where the answers are emitted: the request's own Netty event loop, so that
     *                  building and writing the response runs on the thread that owns the
     *                  connection and the one reply listener only hands answers over
     */
    public Flux<Answer> register(String requestId, Executor deliverOn) {
        if (waiting.size() >= capacity) {
            throw new OverloadedException(capacity);
        }
        Sinks.Many<Answer> sink = Sinks.many().unicast().onBackpressureBuffer();
        if (waiting.putIfAbsent(requestId, new Waiter(sink, deliverOn)) != null) {
            throw new DuplicateRequestIdException(requestId);
        }
        return sink.asFlux();
    }

    /**
     * Delivers one answer to each request it is for; answers for requests nobody waits for (any
     * more) are dropped. Each request's answers keep their order: one executor per request, and
     * an event loop runs its tasks in order.
     */
    public void deliver(Answer answer) {
        for (String requestId : answer.recipients()) {
            Waiter waiter = answer.isTerminal() ? waiting.remove(requestId) : waiting.get(requestId);
            if (waiter == null) {
                continue;
            }
            Runnable emit = () -> emit(waiter.sink(), answer);
            try {
                waiter.executor().execute(emit);
            } catch (RejectedExecutionException e) {
                emit.run(); // the event loop is shutting down
            }
        }
    }

    private static void emit(Sinks.Many<Answer> sink, Answer answer) {
        synchronized (sink) {
            sink.tryEmitNext(answer);
            if (answer.isTerminal()) {
                sink.tryEmitComplete();
            }
        }
    }

    public void release(String requestId) {
        Waiter waiter = waiting.remove(requestId);
        if (waiter != null) {
            synchronized (waiter.sink()) {
                waiter.sink().tryEmitComplete();
            }
        }
    }

    public int size() {
        return waiting.size();
    }
}
