package dev.llmcache.common.llm;

/** Where a client-facing model name is served. */
public record ModelRoute(String model, String provider, String upstreamModel) {
}
