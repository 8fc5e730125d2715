package dev.llmcache.cache.app;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The cache control plane.
 *
 * @param apiKey       the admin API key (kept hashed in memory); unset (and no hash) disables the admin API
 * @param apiKeySha256 the SHA-256 of the admin key in hex, instead of the key: the key is then in no
 *                     configuration at all
 */
@ConfigurationProperties("llmcache.admin")
public record AdminProperties(String apiKey, String apiKeySha256) {
}
