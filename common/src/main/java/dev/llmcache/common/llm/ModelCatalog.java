package dev.llmcache.common.llm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The routing table: which model names exist and which provider and upstream model serve each. */
public final class ModelCatalog {

    /** Provider types that serve only one kind of request. */
    private static final String EMBEDS_ONLY = "in-process";
    private static final String CHATS_ONLY = "simulated";

    private final Map<String, ModelRoute> routes;
    private final Map<String, String> providerTypes = new LinkedHashMap<>();

    public ModelCatalog(LlmProperties properties) {
        providerTypes.put(LlmProperties.DEFAULT_PROVIDER, properties.provider());
        properties.providers().forEach((name, provider) -> providerTypes.put(name, provider.type()));
        Map<String, ModelRoute> table = new LinkedHashMap<>();
        for (String model : properties.models()) {
            table.put(model, new ModelRoute(model, LlmProperties.DEFAULT_PROVIDER, model));
        }
        properties.routes().forEach((model, route) -> {
            if (!LlmProperties.DEFAULT_PROVIDER.equals(route.provider())
                    && !properties.providers().containsKey(route.provider())) {
                throw new IllegalArgumentException("Model '" + model + "' routes to unknown provider '"
                        + route.provider() + "'; configure llmcache.llm.providers." + route.provider());
            }
            String upstream = route.upstreamModel() == null || route.upstreamModel().isBlank()
                    ? model : route.upstreamModel();
            table.put(model, new ModelRoute(model, route.provider(), upstream));
        });
        this.routes = Collections.unmodifiableMap(table);
    }

    /** Whether {@code model} only creates embeddings (its provider is the in-process model). */
    public boolean embedsOnly(String model) {
        return EMBEDS_ONLY.equals(providerTypeOf(model));
    }

    /** Whether {@code model} only chats (its provider is the simulated LLM). */
    public boolean chatsOnly(String model) {
        return CHATS_ONLY.equals(providerTypeOf(model));
    }

    private String providerTypeOf(String model) {
        return resolve(model).map(route -> providerTypes.get(route.provider())).orElse(null);
    }

    public Optional<ModelRoute> resolve(String model) {
        return Optional.ofNullable(routes.get(model));
    }

    public List<ModelRoute> all() {
        return new ArrayList<>(routes.values());
    }
}
