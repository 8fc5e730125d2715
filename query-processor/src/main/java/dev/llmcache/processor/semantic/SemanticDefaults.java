package dev.llmcache.processor.semantic;

/** The semantic cache's calibrated defaults (see {@link Calibration} and its shipped pairs). */
public final class SemanticDefaults {

    /** The similarity from which a guarded match counts: precision >= 0.99 on the shipped pairs. */
    public static final double THRESHOLD = 0.90;

    /** The precision the default threshold must reach on the shipped pairs (checked by the tests). */
    public static final double MIN_PRECISION = 0.99;

    private SemanticDefaults() {
    }
}
