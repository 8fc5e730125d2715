package dev.llmcache.replay;

import tools.jackson.databind.json.JsonMapper;

/** The replay tool's one JSON mapper (thread-safe, shared). */
public final class ReplayJson {

    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ReplayJson() {
    }
}
