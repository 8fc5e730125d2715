package dev.llmcache.cache.app;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The cache control plane.
 *
 * @param apiKey the admin API key (kept hashed in memory); unset disables the admin API
 */
@ConfigurationProperties("llmcache.admin")
public record AdminProperties(String apiKey) {
}
