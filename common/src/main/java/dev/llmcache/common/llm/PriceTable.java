package dev.llmcache.common.llm;

import dev.llmcache.common.event.Usage;
import java.util.Map;

/** What a model's tokens cost, from {@code llmcache.llm.pricing}; unpriced models cost 0. */
public final class PriceTable {

    private final Map<String, LlmProperties.Price> prices;

    public PriceTable(Map<String, LlmProperties.Price> prices) {
        this.prices = Map.copyOf(prices);
    }

    public double costUsd(String model, Usage usage) {
        LlmProperties.Price price = prices.get(model);
        if (price == null || usage == null) {
            return 0;
        }
        return (usage.promptTokens() * price.inputPerMillion() + usage.completionTokens() * price.outputPerMillion())
                / 1_000_000;
    }
}
