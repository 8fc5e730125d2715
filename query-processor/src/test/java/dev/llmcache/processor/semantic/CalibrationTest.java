package dev.llmcache.processor.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.processor.embedding.InProcessEmbedder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The calibration on the shipped labelled pairs, with the real in-process model: CI's precision gate. */
class CalibrationTest {

    private static InProcessEmbedder embedder;
    private static List<Calibration.Scored> scored;

    @BeforeAll
    static void score() {
        embedder = new InProcessEmbedder(0);
        scored = Calibration.score(Calibration.loadShipped(), embedder);
        System.out.println(Calibration.report(scored, SemanticDefaults.THRESHOLD, SemanticDefaults.MIN_PRECISION));
        if (Boolean.getBoolean("calibration.debug")) {
            scored.stream().filter(s -> s.pair().same() != s.matchesAt(SemanticDefaults.THRESHOLD))
                    .forEach(s -> System.out.printf("DBG %s %s %.3f %s | %s | %s%n", s.pair().id(), s.pair().pairClass(),
                            s.similarity(), s.verdict().reason(), s.pair().a(), s.pair().b()));
        }
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void theShippedSetHasAtLeast300PairsOfEveryClass() {
        assertThat(scored).hasSizeGreaterThanOrEqualTo(300);
        assertThat(scored.stream().map(s -> s.pair().pairClass()).distinct()).contains("paraphrase", "number_change",
                "negation", "entity_swap", "reversed_direction", "different_question", "follow_up");
    }

    @Test
    void theDefaultThresholdReachesTheRequiredPrecision() {
        Calibration.Row all = Calibration.at(scored, SemanticDefaults.THRESHOLD, p -> true);

        assertThat(all.precision().value()).isGreaterThanOrEqualTo(SemanticDefaults.MIN_PRECISION);
        // A gate that passes by never matching would be worthless.
        assertThat(all.recall().value()).isGreaterThan(0.3);
    }

    @Test
    void theRecommendationReachesTheRequiredPrecisionToo() {
        double recommended = Calibration.recommend(scored, SemanticDefaults.MIN_PRECISION);

        assertThat(Calibration.at(scored, recommended, p -> true).precision().value())
                .isGreaterThanOrEqualTo(SemanticDefaults.MIN_PRECISION);
    }
}
