package dev.llmcache.processor.semantic;

import dev.llmcache.processor.embedding.InProcessEmbedder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -jar standalone.jar calibrate-semantic [--pairs FILE] [--threshold T] [--min-precision P]}:
 * replays labelled question pairs (JSON lines: {@code id, class, a, b, same}, optional
 * {@code history_a}, {@code history}) through the in-process model and the lexical guard, prints
 * precision, recall and false-hit rate per threshold and per class with 95% intervals, and the
 * recommended threshold. Exits with 1 if the precision at the threshold is below the minimum.
 */
public final class CalibrateSemantic {

    private CalibrateSemantic() {
    }

    public static void main(String[] args) throws IOException {
        Path pairsFile = null;
        double threshold = SemanticDefaults.THRESHOLD;
        double minPrecision = SemanticDefaults.MIN_PRECISION;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--pairs" -> pairsFile = Path.of(args[i + 1]);
                case "--threshold" -> threshold = Double.parseDouble(args[i + 1]);
                case "--min-precision" -> minPrecision = Double.parseDouble(args[i + 1]);
                default -> {
                    System.err.println("Unknown option " + args[i]
                            + "; use --pairs FILE, --threshold T, --min-precision P");
                    System.exit(2);
                }
            }
        }
        List<Calibration.Pair> pairs;
        if (pairsFile == null) {
            pairs = Calibration.loadShipped();
        } else {
            try (InputStream in = Files.newInputStream(pairsFile)) {
                pairs = Calibration.load(in);
            }
        }
        List<Calibration.Scored> scored;
        try (InProcessEmbedder embedder = new InProcessEmbedder(0)) {
            scored = Calibration.score(pairs, embedder);
        }
        System.out.print(Calibration.report(scored, threshold, minPrecision));
        double precision = Calibration.at(scored, threshold, p -> true).precision().value();
        if (!(precision >= minPrecision)) {
            System.out.printf("Precision at %.2f is %.3f, below %.2f%n", threshold, precision, minPrecision);
            System.exit(1);
        }
    }
}
