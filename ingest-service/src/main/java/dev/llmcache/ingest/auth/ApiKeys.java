package dev.llmcache.ingest.auth;

import dev.llmcache.common.auth.BearerCredentials;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import dev.llmcache.ingest.app.IngestProperties;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured API keys, kept as SHA-256 hashes, and the tenant each one stands for. With no
 * keys configured the product runs open: every request is accepted and served as the tenant its
 * headers name (or the default one).
 */
public final class ApiKeys {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");

    private final Map<String, IngestProperties.ApiKey> byHash = new HashMap<>();

    public ApiKeys(List<IngestProperties.ApiKey> keys) {
        for (IngestProperties.ApiKey key : keys) {
            validate(key);
            if (byHash.putIfAbsent(key.sha256().toLowerCase(), key) != null) {
                throw new IllegalArgumentException("API key '" + key.id() + "': the same sha256 is configured twice");
            }
        }
        Set<String> tenants = new java.util.HashSet<>();
        keys.forEach(key -> tenants.add(key.tenant()));
        for (IngestProperties.ApiKey key : keys) {
            for (String namespace : key.namespaces()) {
                if (tenants.contains(namespace) && !namespace.equals(key.tenant())) {
                    // Allowed (sharing is configuration), but rarely meant: say it loudly.
                    log.warn("API key '{}' (tenant {}) may use namespace '{}', which is tenant {}'s own: that"
                            + " tenant's cache is shared with it", key.id(), key.tenant(), namespace, namespace);
                }
            }
        }
    }

    /** Whether requests need no key (no keys are configured). */
    public boolean open() {
        return byHash.isEmpty();
    }

    public int size() {
        return byHash.size();
    }

    /**
     * The caller a request's {@code Authorization} header identifies.
     *
     * @throws ApiException 401 without a key, with an unknown one or with a revoked one
     */
    public Caller authenticate(String authorization) {
        if (open()) {
            return Caller.OPEN;
        }
        String presented = BearerCredentials.keyOf(authorization);
        if (presented == null) {
            throw unauthorized("missing_api_key", "No API key provided: send it as 'Authorization: Bearer <key>'");
        }
        // A hash lookup instead of a comparison per key: the time taken tells nothing about the keys.
        IngestProperties.ApiKey key = byHash.get(BearerCredentials.sha256Hex(presented));
        if (key == null) {
            // Never echoes the key (OpenAI shows part of it; a log of errors would then hold it).
            throw unauthorized("invalid_api_key", "Incorrect API key provided");
        }
        if (key.revoked()) {
            throw unauthorized("invalid_api_key", "This API key has been revoked");
        }
        return new Caller(key.id(), key.tenant(), Set.copyOf(key.namespaces()));
    }

    /**
     * The caller key {@code keyId} stands for now, for work done later on its behalf (a batch's
     * lines); empty when the key is revoked or no longer configured.
     */
    public java.util.Optional<Caller> current(String keyId) {
        return byHash.values().stream().filter(key -> key.id().equals(keyId) && !key.revoked()).findFirst()
                .map(key -> new Caller(key.id(), key.tenant(), Set.copyOf(key.namespaces())));
    }

    private static ApiException unauthorized(String code, String message) {
        return new ApiException(new ErrorInfo(401, "invalid_request_error", code, message), null);
    }

    private static void validate(IngestProperties.ApiKey key) {
        String id = key.id() == null ? "(without id)" : key.id();
        if (key.id() == null || !ApiHeaders.NAME.matcher(key.id()).matches()) {
            throw new IllegalArgumentException("API key " + id + ": 'id' must match " + ApiHeaders.NAME.pattern());
        }
        if (key.sha256() == null || !HASH.matcher(key.sha256()).matches()) {
            throw new IllegalArgumentException("API key '" + id + "': 'sha256' must be the 64 hex digits of the"
                    + " key's SHA-256 (printf %s KEY | sha256sum), not the key");
        }
        if (key.tenant() == null || !ApiHeaders.NAME.matcher(key.tenant()).matches()) {
            throw new IllegalArgumentException("API key '" + id + "': 'tenant' must match " + ApiHeaders.NAME.pattern());
        }
        for (String namespace : key.namespaces()) {
            if (!ApiHeaders.NAME.matcher(namespace).matches()) {
                throw new IllegalArgumentException("API key '" + id + "': namespace '" + namespace + "' must match "
                        + ApiHeaders.NAME.pattern());
            }
        }
    }
}
