package dev.llmcache.common.llm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The routing table: which model names exist and which provider and upstream model serve each. */
public final class ModelCatalog {

    private final Map<String, ModelRoute> routes;

    public ModelCatalog(LlmProperties properties) {
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

    public Optional<ModelRoute> resolve(String model) {
        return Optional.ofNullable(routes.get(model));
    }

    public List<ModelRoute> all() {
        return new ArrayList<>(routes.values());
    }
}
