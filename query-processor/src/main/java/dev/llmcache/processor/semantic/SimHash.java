package dev.llmcache.processor.semantic;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Random-hyperplane hashing (Charikar's SimHash): {@link #BITS} bits per vector, each the side of
 * one fixed random hyperplane it lies on. Two vectors at angle {@code θ} differ in each bit with
 * probability {@code θ/π}, so the number of differing bits estimates their angle, and comparing
 * 256 bits (four XORs and bit counts) is a hundred times cheaper than a 384-dimension dot product.
 * The index uses it to pick the few entries worth an exact comparison.
 */
final class SimHash {

    static final int BITS = 256;
    static final int WORDS = BITS / Long.SIZE;
    /** Standard deviations of slack: a vector exactly at the threshold is kept with probability 1 - 3e-5. */
    private static final double SLACK = 4.0;

    /** One fixed projection per vector length, the same in every instance (seeded by the length). */
    private static final Map<Integer, float[][]> PLANES = new ConcurrentHashMap<>();

    private SimHash() {
    }

    /** The code of {@code vector}: bit {@code i} is set when it lies on the positive side of plane {@code i}. */
    static long[] code(float[] vector) {
        float[][] planes = PLANES.computeIfAbsent(vector.length, SimHash::planes);
        long[] code = new long[WORDS];
        for (int bit = 0; bit < BITS; bit++) {
            if (SemanticIndex.dot(planes[bit], vector) > 0) {
                code[bit >>> 6] |= 1L << (bit & 63);
            }
        }
        return code;
    }

    /** Differing bits between the code at {@code offset} of {@code codes} and {@code code}. */
    static int distance(long[] codes, int offset, long[] code) {
        return Long.bitCount(codes[offset] ^ code[0]) + Long.bitCount(codes[offset + 1] ^ code[1])
                + Long.bitCount(codes[offset + 2] ^ code[2]) + Long.bitCount(codes[offset + 3] ^ code[3]);
    }

    /**
     * The most differing bits a vector at cosine similarity {@code threshold} is expected to show,
     * plus {@link #SLACK} standard deviations: entries beyond it are below the threshold but for a
     * chance of about 3 in 100,000 at the threshold itself (and less the more similar they are).
     */
    static int maxDistance(double threshold) {
        double angle = Math.acos(Math.max(-1, Math.min(1, threshold)));
        double p = angle / Math.PI;
        return (int) Math.ceil(BITS * p + SLACK * Math.sqrt(BITS * p * (1 - p)) + 1);
    }

    private static float[][] planes(int dimensions) {
        Random random = new Random(0x5EED_0000L + dimensions);
        float[][] planes = new float[BITS][dimensions];
        for (float[] plane : planes) {
            for (int i = 0; i < dimensions; i++) {
                plane[i] = (float) random.nextGaussian();
            }
        }
        return planes;
    }
}
