package dev.llmcache.replay.report;

import dev.llmcache.replay.ReplayJson;
import dev.llmcache.replay.output.OutputLines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The answers of two runs side by side, matched by {@code custom_id}: how many are equal exactly,
 * equal once normalised (case, whitespace and punctuation ignored), how much their words overlap
 * (Jaccard index of the word sets), their length ratio (shorter over longer), and the pairs that
 * differ most. Lines without an answer on either side are counted, not compared.
 */
public record AnswerComparison(int compared, int onlyInA, int onlyInB, int exact, int normalised,
                               double meanOverlap, double meanLengthRatio, List<Pair> mostDifferent) {

    /** How many of the most different pairs a comparison lists. */
    static final int MOST_DIFFERENT = 10;

    /** One compared pair. */
    public record Pair(String customId, double overlap, double lengthRatio, String a, String b) {
    }

    public static AnswerComparison of(List<JsonNode> a, List<JsonNode> b) {
        Map<String, String> answersA = answers(a);
        Map<String, String> answersB = answers(b);
        List<Pair> pairs = new ArrayList<>();
        int exact = 0;
        int normalised = 0;
        for (Map.Entry<String, String> entry : answersA.entrySet()) {
            String other = answersB.get(entry.getKey());
            if (other == null) {
                continue;
            }
            String text = entry.getValue();
            exact += text.equals(other) ? 1 : 0;
            normalised += normalise(text).equals(normalise(other)) ? 1 : 0;
            pairs.add(new Pair(entry.getKey(), overlap(text, other), lengthRatio(text, other), text, other));
        }
        int onlyInA = (int) answersA.keySet().stream().filter(id -> !answersB.containsKey(id)).count();
        int onlyInB = (int) answersB.keySet().stream().filter(id -> !answersA.containsKey(id)).count();
        List<Pair> mostDifferent = pairs.stream()
                .sorted(Comparator.comparingDouble(Pair::overlap).thenComparingDouble(Pair::lengthRatio)
                        .thenComparing(Pair::customId))
                .filter(pair -> !pair.a().equals(pair.b()))
                .limit(MOST_DIFFERENT).toList();
        return new AnswerComparison(pairs.size(), onlyInA, onlyInB, exact, normalised,
                pairs.stream().mapToDouble(Pair::overlap).average().orElse(Double.NaN),
                pairs.stream().mapToDouble(Pair::lengthRatio).average().orElse(Double.NaN), mostDifferent);
    }

    /** Whether the two runs answered the same lines, at least one, each the same (exactly). */
    public boolean identical() {
        return compared > 0 && exact == compared && onlyInA == 0 && onlyInB == 0;
    }

    private static Map<String, String> answers(List<JsonNode> lines) {
        Map<String, String> answers = new LinkedHashMap<>();
        for (JsonNode line : lines) {
            String text = OutputLines.answerText(line);
            if (text != null) {
                answers.put(line.path("custom_id").asString(), text);
            }
        }
        return answers;
    }

    static String normalise(String text) {
        return String.join(" ", words(text));
    }

    private static List<String> words(String text) {
        String cleaned = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").trim();
        return cleaned.isEmpty() ? List.of() : Arrays.asList(cleaned.split(" "));
    }

    /** Jaccard index of the two texts' word sets: 1 for the same words, 0 for none in common. */
    static double overlap(String a, String b) {
        Set<String> wordsA = new HashSet<>(words(a));
        Set<String> wordsB = new HashSet<>(words(b));
        if (wordsA.isEmpty() && wordsB.isEmpty()) {
            return 1;
        }
        Set<String> common = new HashSet<>(wordsA);
        common.retainAll(wordsB);
        Set<String> union = new HashSet<>(wordsA);
        union.addAll(wordsB);
        return (double) common.size() / union.size();
    }

    /** The shorter text's length over the longer's: 1 for the same length. */
    static double lengthRatio(String a, String b) {
        int longer = Math.max(a.length(), b.length());
        return longer == 0 ? 1 : (double) Math.min(a.length(), b.length()) / longer;
    }

    public ObjectNode toJson() {
        ObjectNode json = ReplayJson.MAPPER.createObjectNode();
        json.put("compared", compared).put("only_in_a", onlyInA).put("only_in_b", onlyInB)
                .put("exact_equal", exact).put("normalised_equal", normalised)
                .put("mean_token_overlap", meanOverlap).put("mean_length_ratio", meanLengthRatio);
        var list = json.putArray("most_different");
        for (Pair pair : mostDifferent) {
            list.addObject().put("custom_id", pair.customId()).put("token_overlap", pair.overlap())
                    .put("length_ratio", pair.lengthRatio()).put("a", pair.a()).put("b", pair.b());
        }
        return json;
    }

    /** The comparison as a Markdown section. */
    public String toMarkdown(String nameA, String nameB) {
        StringBuilder md = new StringBuilder();
        md.append("| | count |\n|---|---|\n");
        md.append("| answers compared | ").append(compared).append(" |\n");
        md.append("| exactly equal | ").append(exact).append(" (").append(percent(exact, compared)).append(") |\n");
        md.append("| equal once normalised | ").append(normalised).append(" (").append(percent(normalised, compared))
                .append(") |\n");
        md.append("| answered only in ").append(nameA).append(" | ").append(onlyInA).append(" |\n");
        md.append("| answered only in ").append(nameB).append(" | ").append(onlyInB).append(" |\n");
        md.append("| mean token overlap (Jaccard) | ").append(format(meanOverlap)).append(" |\n");
        md.append("| mean length ratio | ").append(format(meanLengthRatio)).append(" |\n");
        if (!mostDifferent.isEmpty()) {
            md.append("\nMost different answers:\n\n| custom_id | token overlap | length ratio | ").append(nameA)
                    .append(" | ").append(nameB).append(" |\n|---|---|---|---|---|\n");
            for (Pair pair : mostDifferent) {
                md.append("| ").append(cell(pair.customId(), 64)).append(" | ").append(format(pair.overlap()))
                        .append(" | ").append(format(pair.lengthRatio())).append(" | ").append(cell(pair.a(), 80))
                        .append(" | ").append(cell(pair.b(), 80)).append(" |\n");
            }
        }
        return md.toString();
    }

    static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    static String format(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    /** Text for a Markdown table cell: one line, no pipes, at most {@code max} characters. */
    static String cell(String text, int max) {
        String flat = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|");
        return flat.length() <= max ? flat : flat.substring(0, max - 3) + "...";
    }
}
