package dev.llmcache.ingest.auth;

import java.util.Set;

/**
 * Who sent a request: the tenant it is served as, and the cache namespaces it may use.
 *
 * @param keyId      the id of the API key it presented (safe to log; never the key), or
 *                   {@code null} when the product runs open
 * @param tenant     the key's tenant; {@code null} when the product runs open (then the headers or
 *                   the default name it)
 * @param namespaces further namespaces it may name in {@code X-Cache-Namespace}; any when open
 */
public record Caller(String keyId, String tenant, Set<String> namespaces) {

    /** The caller of a product without keys: the headers decide, as set by a gateway in front of it. */
    public static final Caller OPEN = new Caller(null, null, Set.of());

    public Caller {
        namespaces = Set.copyOf(namespaces);
    }

    /** Whether the tenant comes from a key (and headers may only narrow it, never widen it). */
    public boolean authenticated() {
        return keyId != null;
    }

    public boolean mayUse(String namespace) {
        return !authenticated() || tenant.equals(namespace) || namespaces.contains(namespace);
    }
}
