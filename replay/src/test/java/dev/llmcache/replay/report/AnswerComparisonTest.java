package dev.llmcache.replay.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AnswerComparisonTest {

    @Test
    void tokenOverlapIsTheJaccardIndexOfTheWordSets() {
        assertThat(AnswerComparison.overlap("the cat sat", "The cat, sat!")).isEqualTo(1.0);
        assertThat(AnswerComparison.overlap("a b c", "b c d")).isCloseTo(0.5, within(1e-9));
        assertThat(AnswerComparison.overlap("a", "b")).isZero();
        assertThat(AnswerComparison.overlap("", "")).isEqualTo(1.0);
    }

    @Test
    void lengthRatioIsTheShorterOverTheLonger() {
        assertThat(AnswerComparison.lengthRatio("ab", "abcd")).isEqualTo(0.5);
        assertThat(AnswerComparison.lengthRatio("", "")).isEqualTo(1.0);
    }

    @Test
    void normalisingIgnoresCaseWhitespaceAndPunctuation() {
        assertThat(AnswerComparison.normalise("  Hello,\n  World! ")).isEqualTo(AnswerComparison.normalise("hello world"));
    }
}
