package dev.llmcache.processor.semantic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says whether two questions that embed close together may still share an answer, by what
 * sentence embeddings are known to blur: a different number ("5 miles" and "50 miles"), a
 * negation ("safe" and "not safe"), a different name ("Austria" and "Australia"), and the same
 * things in another order ("USD to EUR" and "EUR to USD"), and a different emoji, symbol or
 * rare character ("Is 🦀 safe to eat?" and "Is 🦂 safe to eat?"), which the embedder reads as
 * one unknown token. A semantic match needs both: the similarity above the threshold and this
 * guard's consent.
 */
public final class LexicalGuard {

    /** Words; a hyphen splits them ("3-day", "non-renewable"), as the rules want their parts. */
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}+#.'’_]*");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    /** Opposites a question may turn on: one text with one pole and the other with the other is refused. */
    private static final List<Set<String>> POLES = List.of(
            Set.of("raise", "increase", "higher", "high", "more", "add", "gain", "max", "maximum", "upper"),
            Set.of("lower", "decrease", "reduce", "low", "less", "fewer", "remove", "lose", "min", "minimum"),
            Set.of("enable", "on", "start", "open", "allow", "include", "buy", "upload", "push", "import", "encrypt",
                    "compress", "install", "like", "good", "best", "for", "pros", "advantages", "benefits", "safe"),
            Set.of("disable", "off", "stop", "close", "deny", "block", "exclude", "sell", "download", "pull", "export",
                    "decrypt", "decompress", "uninstall", "dislike", "bad", "worst", "against", "cons",
                    "disadvantages", "drawbacks", "risks", "dangerous", "unsafe", "avoid"));
    private static final Set<String> INFLECTIONS = Set.of("s", "d", "ed", "es", "ing", "r", "er");
    /** Prefixes that turn a word into its opposite ("install" and "uninstall"). */
    private static final List<String> NEGATING_PREFIXES = List.of("un", "dis", "non", "in", "im", "ir", "il", "de");
    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "without", "cannot", "none", "nor",
            "neither", "nothing", "nobody", "nowhere", "non");
    private static final Map<String, String> NUMBER_WORDS = Map.ofEntries(
            Map.entry("zero", "0"), Map.entry("two", "2"), Map.entry("three", "3"),
            Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"),
            Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"), Map.entry("eleven", "11"),
            Map.entry("twelve", "12"), Map.entry("twenty", "20"), Map.entry("thirty", "30"), Map.entry("forty", "40"),
            Map.entry("fifty", "50"), Map.entry("hundred", "100"), Map.entry("thousand", "1000"),
            Map.entry("million", "1000000"), Map.entry("billion", "1000000000"), Map.entry("first", "1st"),
            Map.entry("second", "2nd"), Map.entry("third", "3rd"), Map.entry("half", "0.5"), Map.entry("double", "x2"),
            Map.entry("twice", "x2"), Map.entry("dozen", "12"), Map.entry("am", "am"), Map.entry("pm", "pm"));
    /** Words that give the things around them a direction: their order then matters. */
    private static final Set<String> DIRECTIONAL = Set.of("to", "from", "into", "than", "vs", "versus", "subset",
            "superset", "before", "after", "over");
    private static final Set<String> STOPWORDS = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "do",
            "does", "did", "i", "you", "we", "my", "your", "me", "to", "from", "into", "of", "in", "on", "for",
            "with", "and", "or", "what", "what's", "whats", "how", "why", "which", "who", "when", "where", "can",
            "could", "would", "should", "will", "it", "its", "it's", "this", "that", "there", "please", "tell",
            "explain", "than", "vs", "versus", "by", "at", "as", "about", "any", "some", "way", "best", "get");

    /** The guard's verdict, with the rule that refused, if any. */
    public record Verdict(boolean allowed, String reason) {
        static final Verdict ALLOWED = new Verdict(true, null);

        static Verdict refused(String reason) {
            return new Verdict(false, reason);
        }
    }

    /** Whether an answer to {@code cached} may answer {@code asked}. */
    public Verdict check(String cached, String asked) {
        Text a = new Text(cached);
        Text b = new Text(asked);
        if (!a.numbers.equals(b.numbers)) {
            return Verdict.refused("numbers");
        }
        if (!a.symbols.equals(b.symbols)) {
            return Verdict.refused("symbols");
        }
        if (a.negated != b.negated || opposite(a, b) || opposite(b, a)) {
            return Verdict.refused("negation");
        }
        if (!b.stems.containsAll(a.names) || !a.stems.containsAll(b.names)) {
            return Verdict.refused("names");
        }
        if (reversed(a, b)) {
            return Verdict.refused("order");
        }
        if (substituted(a, b)) {
            return Verdict.refused("substitution");
        }
        return Verdict.ALLOWED;
    }

    /**
     * One text at one pole where the other is at the opposite one (among the words only one of
     * them has: "best-selling" and "worst-selling" share "selling"), or a word and its negated form.
     */
    private static boolean opposite(Text a, Text b) {
        Set<String> onlyA = new HashSet<>(a.words);
        onlyA.removeAll(b.words);
        Set<String> onlyB = new HashSet<>(b.words);
        onlyB.removeAll(a.words);
        for (int pole = 0; pole < POLES.size(); pole += 2) {
            boolean aUp = hasAny(onlyA, POLES.get(pole));
            boolean aDown = hasAny(onlyA, POLES.get(pole + 1));
            boolean bUp = hasAny(onlyB, POLES.get(pole));
            boolean bDown = hasAny(onlyB, POLES.get(pole + 1));
            if ((aUp && !aDown && bDown && !bUp) || (aDown && !aUp && bUp && !bDown)) {
                return true;
            }
        }
        for (String word : onlyB) {
            for (String prefix : NEGATING_PREFIXES) {
                if (word.length() > prefix.length() + 3 && word.startsWith(prefix)
                        && a.words.contains(word.substring(prefix.length()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the text has one of {@code poles}, also inflected ("increases", "lowered", "enabling"). */
    private static boolean hasAny(Set<String> words, Set<String> poles) {
        for (String word : words) {
            for (String pole : poles) {
                if (word.equals(pole) || (word.startsWith(pole) && INFLECTIONS.contains(word.substring(pole.length())))
                        || (pole.endsWith("e") && word.equals(pole.substring(0, pole.length() - 1) + "ing"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The same things in another order: a word before a directional word ("to", "from", "than")
     * in one text and after it in the other ("USD to EUR", "EUR to USD"), or the same content words
     * (give or take one) in a different order ("Did Rome conquer Carthage?", "Did Carthage conquer Rome?").
     */
    private static boolean reversed(Text a, Text b) {
        for (String[] arrow : a.arrows) {
            for (String[] other : b.arrows) {
                if (arrow[0].equals(other[1]) && arrow[1].equals(other[0])) {
                    return true;
                }
            }
        }
        Set<String> onlyA = new HashSet<>(a.content);
        onlyA.removeAll(b.content);
        Set<String> onlyB = new HashSet<>(b.content);
        onlyB.removeAll(a.content);
        return onlyA.size() <= 1 && onlyB.size() <= 1 && !sameOrder(a.content, b.content);
    }

    /** Everything the same but one content word each ("time complexity", "space complexity"). */
    private static boolean substituted(Text a, Text b) {
        Set<String> onlyA = new HashSet<>(a.content);
        onlyA.removeAll(b.content);
        Set<String> onlyB = new HashSet<>(b.content);
        onlyB.removeAll(a.content);
        return onlyA.size() == 1 && onlyB.size() == 1 && a.content.size() == b.content.size();
    }

    /** The content words both texts have appear in the same order in each. */
    private static boolean sameOrder(List<String> a, List<String> b) {
        Set<String> shared = new HashSet<>(a);
        shared.retainAll(new HashSet<>(b));
        List<String> inA = a.stream().filter(shared::contains).distinct().toList();
        List<String> inB = b.stream().filter(shared::contains).distinct().toList();
        return inA.equals(inB);
    }

    /** What the rules look at in one text. */
    private static final class Text {
        final List<String> numbers = new ArrayList<>();
        /** Emoji, symbols and characters outside the basic plane, in order: the embedder cannot tell them apart. */
        final List<Integer> symbols;
        final Set<String> words = new HashSet<>();
        final Set<String> stems = new HashSet<>();
        final Set<String> names = new HashSet<>();
        /** Content words on each side of a directional word: {before, after}. */
        final List<String[]> arrows = new ArrayList<>();
        final List<String> content = new ArrayList<>();
        boolean negated;

        Text(String text) {
            symbols = text.codePoints().filter(Text::isSymbol).boxed().toList();
            Matcher digits = NUMBER.matcher(text);
            while (digits.find()) {
                numbers.add(digits.group().replace(",", ""));
            }
            boolean sentenceStart = true;
            String pendingDirection = null; // the content word before a directional word, waiting for the one after
            boolean afterDirectional = false;
            Matcher matcher = WORD.matcher(text);
            int last = 0;
            while (matcher.find()) {
                if (text.substring(last, matcher.start()).matches(".*[.?!:;].*")) {
                    sentenceStart = true;
                }
                last = matcher.end();
                String raw = strip(matcher.group());
                String word = raw.toLowerCase(Locale.ROOT);
                words.add(word);
                String stem = stem(word);
                stems.add(stem);
                if (NUMBER_WORDS.containsKey(word)) {
                    numbers.add(NUMBER_WORDS.get(word));
                }
                if (NEGATIONS.contains(word) || word.endsWith("n't") || word.endsWith("n’t")) {
                    negated = !negated;
                }
                if (isName(raw, sentenceStart)) {
                    names.add(stem);
                }
                if (DIRECTIONAL.contains(word)) {
                    afterDirectional = !content.isEmpty();
                    pendingDirection = content.isEmpty() ? null : content.get(content.size() - 1);
                } else if (!STOPWORDS.contains(word) && !NUMBER.matcher(word).matches()) {
                    if (afterDirectional && pendingDirection != null) {
                        arrows.add(new String[] {pendingDirection, stem});
                        afterDirectional = false;
                    }
                    content.add(stem);
                }
                sentenceStart = false;
            }
        }

        /**
         * A symbol (math, currency, modifier, other: emoji), a private or unassigned code point, or
         * one beyond the basic plane. Not the backtick: it quotes code ("`git rebase`") and says nothing.
         */
        private static boolean isSymbol(int codePoint) {
            if (codePoint == '`') {
                return false;
            }
            return switch (Character.getType(codePoint)) {
                case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                     Character.OTHER_SYMBOL, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
                default -> Character.isSupplementaryCodePoint(codePoint);
            };
        }

        /** Capitalised away from a sentence's start, or an acronym or code-like word anywhere ("USD", "C#", "Node.js"). */
        private static boolean isName(String word, boolean sentenceStart) {
            if (word.equals("I") || word.length() < 2) {
                return false;
            }
            boolean acronym = word.chars().filter(Character::isLetter).count() >= 2
                    && word.chars().filter(Character::isLetter).allMatch(Character::isUpperCase);
            boolean codeLike = word.matches(".*[\\p{L}][#+.][\\p{L}#+].*|.*[\\p{L}][#+]$");
            return acronym || codeLike || (!sentenceStart && Character.isUpperCase(word.charAt(0)));
        }

        /** A crude stem, enough to equate "influence" and "influenced", "Stream" and "Streams". */
        private static String stem(String word) {
            String stem = word;
            for (String suffix : List.of("ing", "ed", "es", "s")) {
                if (word.length() > suffix.length() + 3 && word.endsWith(suffix) && !word.endsWith("e" + suffix)
                        && !word.endsWith("ss")) {
                    stem = word.substring(0, word.length() - suffix.length());
                    break;
                }
            }
            return stem.length() > 4 && stem.endsWith("e") ? stem.substring(0, stem.length() - 1) : stem;
        }

        /** Without a possessive or a trailing full stop. */
        private static String strip(String word) {
            String stripped = word.replaceAll("['’]s$", "").replaceAll("\\.+$", "");
            return stripped.isEmpty() ? word : stripped;
        }
    }
}
