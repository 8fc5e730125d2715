package dev.llmcache.processor.semantic;

import dev.llmcache.common.serde.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * Replays labelled question pairs through the embedder and the {@link LexicalGuard} the way the
 * semantic cache would decide (same scope, similarity at or above the threshold, the guard's
 * consent), and measures precision, recall and the false-hit rate per threshold and per class of
 * pair. The shipped set is {@code semantic/calibration-pairs.jsonl}: its classes are paraphrases
 * (should match) and the ways a near question asks something else (should not).
 */
public final class Calibration {

    /** The labelled set in the jar. */
    public static final String SHIPPED_PAIRS = "semantic/calibration-pairs.jsonl";

    /**
     * One labelled pair: {@code a} is the cached question, {@code b} the new one; {@code same}
     * when an answer to {@code a} answers {@code b}. The histories are the earlier user turns of a
     * conversation (empty for a first question): the product only compares last messages of
     * conversations whose earlier turns are identical.
     */
    public record Pair(String id, String pairClass, String a, String b, boolean same, List<String> historyA,
                       List<String> historyB) {

        boolean sameScope() {
            return historyA.equals(historyB);
        }
    }

    /** A pair as the cache sees it. */
    public record Scored(Pair pair, double similarity, LexicalGuard.Verdict verdict) {

        boolean matchesAt(double threshold) {
            return pair.sameScope() && dev.llmcache.common.semantic.SemanticMatch.reaches(similarity, threshold) && verdict.allowed();
        }
    }

    /** A proportion with its 95% Wilson score interval; NaN when there is nothing to measure. */
    public record Rate(long hits, long total, double value, double low, double high) {

        static Rate of(long hits, long total) {
            if (total == 0) {
                return new Rate(0, 0, Double.NaN, Double.NaN, Double.NaN);
            }
            double z = 1.96;
            double p = (double) hits / total;
            double denominator = 1 + z * z / total;
            double center = (p + z * z / (2.0 * total)) / denominator;
            double half = z * Math.sqrt(p * (1 - p) / total + z * z / (4.0 * total * total)) / denominator;
            return new Rate(hits, total, p, Math.max(0, center - half), Math.min(1, center + half));
        }

        String format() {
            return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.3f [%.3f, %.3f] (%d/%d)", value, low, high,
                    hits, total);
        }
    }

    /** The outcome of every pair (or of one class) at one threshold. */
    public record Row(double threshold, Rate precision, Rate recall, Rate falseHits) {
    }

    private Calibration() {
    }

    public static List<Pair> load(InputStream jsonl) {
        List<Pair> pairs = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(jsonl, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode pair = Json.MAPPER.readTree(line);
                pairs.add(new Pair(pair.path("id").asString(), pair.path("class").asString(),
                        pair.path("a").asString(), pair.path("b").asString(), pair.path("same").asBoolean(),
                        strings(pair.path("history_a")), strings(pair.path("history"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pairs;
    }

    public static List<Pair> loadShipped() {
        return load(Objects.requireNonNull(Calibration.class.getClassLoader().getResourceAsStream(SHIPPED_PAIRS),
                SHIPPED_PAIRS + " is missing"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asString()));
        return values;
    }

    /**
     * Scores every pair: the cosine similarity of its two last messages' vectors, and the guard's
     * verdict.
     *
     * @param embed unit vectors of the given texts, in order
     */
    public static List<Scored> score(List<Pair> pairs, Function<List<String>, List<float[]>> embed, LexicalGuard guard) {
        List<String> texts = new ArrayList<>(new LinkedHashSet<>(pairs.stream()
                .flatMap(p -> java.util.stream.Stream.of(p.a(), p.b())).toList()));
        List<float[]> vectors = embed.apply(texts);
        List<Scored> scored = new ArrayList<>();
        for (Pair pair : pairs) {
            float[] a = vectors.get(texts.indexOf(pair.a()));
            float[] b = vectors.get(texts.indexOf(pair.b()));
            scored.add(new Scored(pair, cosine(a, b), guard.check(pair.a(), pair.b())));
        }
        return scored;
    }

    /** Scores the pairs with the in-process model, as the semantic cache would see them. */
    public static List<Scored> score(List<Pair> pairs, dev.llmcache.processor.embedding.InProcessEmbedder embedder) {
        return score(pairs, texts -> embedder.embed(new dev.llmcache.processor.llm.EmbeddingCall(
                "all-minilm-l6-v2", texts.stream()
                        .map(t -> (JsonNode) tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(t)).toList(),
                null)).block(java.time.Duration.ofMinutes(10)).vectors(), new LexicalGuard());
    }

    public static Row at(List<Scored> scored, double threshold, Predicate<Pair> which) {
        long tp = 0;
        long fp = 0;
        long positives = 0;
        long negatives = 0;
        for (Scored s : scored) {
            if (!which.test(s.pair())) {
                continue;
            }
            boolean match = s.matchesAt(threshold);
            if (s.pair().same()) {
                positives++;
                tp += match ? 1 : 0;
            } else {
                negatives++;
                fp += match ? 1 : 0;
            }
        }
        return new Row(threshold, Rate.of(tp, tp + fp), Rate.of(tp, positives), Rate.of(fp, negatives));
    }

    /**
     * The lowest threshold (the most hits) from which on, at every threshold above it too, the
     * precision over all pairs is at least {@code minPrecision}; NaN if none is.
     */
    public static double recommend(List<Scored> scored, double minPrecision) {
        double recommended = Double.NaN;
        for (int step = 99; step >= 50; step--) {
            double threshold = step / 100.0;
            Rate precision = at(scored, threshold, p -> true).precision();
            if (!Double.isNaN(precision.value()) && precision.value() < minPrecision) {
                break;
            }
            recommended = threshold;
        }
        return recommended;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** The report: every threshold over all pairs, each class at the default, and the recommendation. */
    public static String report(List<Scored> scored, double defaultThreshold, double minPrecision) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d pairs; default threshold %.2f; a match needs the same scope, "
                + "the similarity at or above the threshold and the lexical guard's consent.%n%n", scored.size(),
                defaultThreshold));
        out.append("| threshold | precision [95% CI] | recall [95% CI] | false-hit rate [95% CI] |\n|---|---|---|---|\n");
        for (int step = 70; step <= 99; step++) {
            Row row = at(scored, step / 100.0, p -> true);
            out.append(String.format(Locale.ROOT, "| %.2f | %s | %s | %s |%n", row.threshold(),
                    row.precision().format(), row.recall().format(), row.falseHits().format()));
        }
        out.append(String.format(Locale.ROOT, "%nBy class at the default threshold %.2f (for classes that should "
                + "not match, the false-hit rate is what counts):%n%n", defaultThreshold));
        out.append("| class | pairs | recall [95% CI] | false-hit rate [95% CI] | refused by the guard |\n|---|---|---|---|---|\n");
        scored.stream().map(s -> s.pair().pairClass()).distinct().forEach(pairClass -> {
            Row row = at(scored, defaultThreshold, p -> p.pairClass().equals(pairClass));
            long count = scored.stream().filter(s -> s.pair().pairClass().equals(pairClass)).count();
            long guarded = scored.stream().filter(s -> s.pair().pairClass().equals(pairClass))
                    .filter(s -> !s.verdict().allowed()).count();
            out.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %d |%n", pairClass, count,
                    row.recall().format(), row.falseHits().format(), guarded));
        });
        double recommended = recommend(scored, minPrecision);
        out.append(String.format(Locale.ROOT, "%nRecommended threshold (lowest with precision >= %.2f at it and "
                + "every threshold above): %.2f%n", minPrecision, recommended));
        return out.toString();
    }
}
