package dev.llmcache.replay.report;

import java.util.Map;
import java.util.TreeMap;

/**
 * What tokens cost, per model ({@code --price gpt-4o-mini=0.15/0.60}: US dollars per million input
 * and output tokens). A model without a price costs nothing in the report (and says so).
 */
public final class Prices {

    record Price(double inputPerMillion, double outputPerMillion) {
    }

    private final Map<String, Price> byModel;

    private Prices(Map<String, Price> byModel) {
        this.byModel = byModel;
    }

    public static Prices none() {
        return new Prices(Map.of());
    }

    /** Parses {@code MODEL=INPUT/OUTPUT} per entry. */
    public static Prices parse(Map<String, String> entries) {
        Map<String, Price> prices = new TreeMap<>();
        entries.forEach((model, text) -> {
            String[] parts = text.split("/");
            if (parts.length != 2) {
                throw new IllegalArgumentException("A price is INPUT/OUTPUT in USD per million tokens, e.g. "
                        + "0.15/0.60; got " + text + " for " + model);
            }
            prices.put(model, new Price(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim())));
        });
        return new Prices(prices);
    }

    boolean knows(String model) {
        return byModel.containsKey(model);
    }

    double costUsd(String model, long inputTokens, long outputTokens) {
        Price price = byModel.get(model);
        return price == null ? 0
                : (inputTokens * price.inputPerMillion() + outputTokens * price.outputPerMillion()) / 1_000_000;
    }
}
