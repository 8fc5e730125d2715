package dev.llmcache.replay.run;

import dev.llmcache.replay.input.BatchInputParser;
import dev.llmcache.replay.input.InputLine;
import dev.llmcache.replay.output.OutputFile;
import dev.llmcache.replay.output.OutputLines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.ObjectNode;

/**
 * One replay: reads the input lazily, skips what the output already has, rewrites and sends the
 * rest at the configured concurrency and rate, and appends each answer's output line as it comes.
 * Output is written on a thread of its own, never on a Netty event loop.
 */
public final class ReplayRun {

    /**
     * How the run goes: concurrency, rate (per second, 0 for none), and whether recorded queries
     * are replayed in the namespace they were asked in (off when the run sets one for all).
     */
    public record Settings(int concurrency, double rate, boolean recordedNamespaces) {
    }

    /** What happened to one line, for the progress display. */
    public record Progress(String outcome, boolean error) {
    }

    private final ReplayClient client;
    private final RequestRewriter rewriter;
    private final Settings settings;
    private final Scheduler timer;

    public ReplayRun(ReplayClient client, RequestRewriter rewriter, Settings settings, Scheduler timer) {
        this.client = client;
        this.rewriter = rewriter;
        this.settings = settings;
        this.timer = timer;
    }

    /** Counts the requests of an input (its non-blank lines), for the progress display. */
    public static long count(Path input) throws IOException {
        try (var lines = Files.lines(input, StandardCharsets.UTF_8)) {
            return lines.filter(line -> !line.isBlank()).count();
        }
    }

    /** Runs the replay to its end; {@code onLine} is told about every line written (on the writer thread). */
    public void run(Path input, OutputFile output, Consumer<Progress> onLine) {
        Scheduler writer = Schedulers.newSingle("replay-output");
        try {
            // Read on a thread of its own (file I/O), once, by both branches: lines that cannot be
            // sent get their output line at once, the others when their answer is in.
            Flux<InputLine> pending = lines(input).subscribeOn(Schedulers.boundedElastic())
                    .filter(line -> !output.isDone(line.customId()));
            Flux<ObjectNode> written = pending.publish(shared -> Flux.merge(
                    shared.filter(line -> !line.isValid()).map(OutputLines::invalid),
                    Pacing.atRate(shared.filter(InputLine::isValid), settings.rate(), timer)
                            .flatMap(line -> send(line), settings.concurrency())));
            written.publishOn(writer)
                    .doOnNext(line -> {
                        try {
                            output.append(line);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        String outcome = line.path("llmcache").path("outcome").asString();
                        onLine.accept(new Progress(outcome,
                                outcome.equals(OutputLines.ERROR) || outcome.equals(OutputLines.INVALID)));
                    })
                    .then()
                    .block();
        } finally {
            writer.dispose();
        }
    }

    /**
     * One line's request and its output line. A product that refuses connections (down, or the
     * wrong address) ends the run instead: writing its lines as errors would make a {@code --resume}
     * skip them, though they were never answered.
     */
    private Mono<ObjectNode> send(InputLine line) {
        ObjectNode body = rewriter.rewrite(line.body());
        return client.send(body, settings.recordedNamespaces() ? line.namespace() : null)
                .handle((exchange, sink) -> {
                    if (exchange.refused()) {
                        sink.error(new UnreachableException(exchange.transportError()));
                    } else {
                        sink.next(OutputLines.of(line, body.path("model").asString(), exchange));
                    }
                });
    }

    /** The product refused connections, after retries: the run stops; {@code --resume} goes on later. */
    public static final class UnreachableException extends RuntimeException {
        UnreachableException(String cause) {
            super("The product refused connections (" + cause + "): the run stopped; lines not written yet are "
                    + "sent by a run with --resume");
        }
    }

    /** The input's lines, parsed one at a time as they are needed (an input can be larger than memory). */
    private static Flux<InputLine> lines(Path input) {
        return Flux.using(() -> Files.newBufferedReader(input, StandardCharsets.UTF_8),
                reader -> Flux.<InputLine, State>generate(() -> new State(new BatchInputParser()), (state, sink) -> {
                    InputLine next = state.next(reader);
                    if (next == null) {
                        sink.complete();
                    } else {
                        sink.next(next);
                    }
                    return state;
                }),
                reader -> {
                    try {
                        reader.close();
                    } catch (IOException e) {
                        // read to the end, or abandoned: nothing to do
                    }
                });
    }

    /** The reading position in an input. */
    private static final class State {
        private final BatchInputParser parser;
        private int lineNumber;

        State(BatchInputParser parser) {
            this.parser = parser;
        }

        InputLine next(BufferedReader reader) {
            try {
                String text;
                while ((text = reader.readLine()) != null) {
                    InputLine line = parser.parse(++lineNumber, text);
                    if (line != null) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
