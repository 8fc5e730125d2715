package dev.llmcache.processor.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LexicalGuardTest {

    private final LexicalGuard guard = new LexicalGuard();

    private String refusal(String cached, String asked) {
        LexicalGuard.Verdict verdict = guard.check(cached, asked);
        return verdict.allowed() ? "allowed" : verdict.reason();
    }

    @Test
    void aRewordingWithTheSameNumbersNamesAndPolarityIsAllowed() {
        assertThat(refusal("How do I reset my password?", "how can i reset my password")).isEqualTo("allowed");
        assertThat(refusal("How do I undo the last git commit in Java 17?", "How can I undo the last git commit "
                + "in Java 17?")).isEqualTo("allowed");
    }

    @Test
    void aDifferentNumberIsRefusedAlsoSpelledOutOrInsideAWord() {
        assertThat(refusal("Convert 5 miles to km", "Convert 50 miles to km")).isEqualTo("numbers");
        assertThat(refusal("Give me a two-day itinerary for Paris", "Give me a five-day itinerary for Paris"))
                .isEqualTo("numbers");
        assertThat(refusal("What is the maximum heap of a 32-bit JVM?", "What is the maximum heap of a 64-bit JVM?"))
                .isEqualTo("numbers");
        assertThat(refusal("What time is it in Tokyo at 9 am?", "What time is it in Tokyo at 9 pm?"))
                .isEqualTo("numbers");
    }

    @Test
    void anotherEmojiSymbolOrCurrencySignIsRefusedTheSameOnesAreNot() {
        // The model reads every emoji as one unknown token: these embed identically.
        assertThat(refusal("Is 🦀 safe to eat?", "Is 🦂 safe to eat?")).isEqualTo("symbols");
        assertThat(refusal("What does 👍 mean in a chat?", "What does 👎 mean in a chat?")).isEqualTo("symbols");
        assertThat(refusal("How much is 5 $ in yen?", "How much is 5 € in yen?")).isEqualTo("symbols");
        assertThat(refusal("Is 🦀 safe to eat?", "Is 🦀 safe to eat raw?")).isNotEqualTo("symbols");
        assertThat(refusal("Is 🦀 safe to eat?", "is 🦀 safe to eat")).isEqualTo("allowed");
        assertThat(refusal("How do I undo `git rebase`?", "How can I undo git rebase?")).isNotEqualTo("symbols");
    }

    @Test
    void theSameNumbersInAnotherOrderAreRefused() {
        assertThat(refusal("If a number is divisible by 6, is it divisible by 3?",
                "If a number is divisible by 3, is it divisible by 6?")).isEqualTo("numbers");
    }

    @Test
    void aNegationOrAnOppositeIsRefused() {
        assertThat(refusal("Which foods are safe for dogs?", "Which foods are not safe for dogs?")).isEqualTo("negation");
        assertThat(refusal("Why does my app start?", "Why doesn't my app start?")).isEqualTo("negation");
        assertThat(refusal("How do I enable auto commit?", "How do I disable auto commit?")).isEqualTo("negation");
        assertThat(refusal("What were the best-selling cars?", "What were the worst-selling cars?"))
                .isEqualTo("negation");
        assertThat(refusal("How do I install Kafka?", "How do I uninstall Kafka?")).isEqualTo("negation");
        assertThat(refusal("What are the arguments for nuclear power?", "What are the arguments against nuclear power?"))
                .isEqualTo("negation");
    }

    @Test
    void anotherNameIsRefused() {
        assertThat(refusal("What is the capital of Austria?", "What is the capital of Australia?")).isEqualTo("names");
        assertThat(refusal("How do I center a div in React?", "How do I center a div in Vue?")).isEqualTo("names");
    }

    @Test
    void theSameThingsTheOtherWayRoundAreRefused() {
        assertThat(refusal("Convert USD to EUR", "Convert EUR to USD")).isEqualTo("order");
        assertThat(refusal("How do I convert a string to a list in Python?",
                "How do I convert a list to a string in Python?")).isEqualTo("order");
        assertThat(refusal("Did Rome conquer Carthage?", "Did Carthage conquer Rome?")).isEqualTo("order");
        assertThat(refusal("Who influenced Plato?", "Who did Plato influence?")).isEqualTo("order");
    }

    @Test
    void oneContentWordSwappedForAnotherIsRefused() {
        assertThat(refusal("What is the time complexity of merge sort?", "What is the space complexity of merge sort?"))
                .isEqualTo("substitution");
    }
}
