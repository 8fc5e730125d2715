package dev.llmcache.common.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper configuration shared by every event on the wire. */
public final class Json {

    /**
     * Unknown properties are ignored so that consumers keep working when a producer adds a field
     * (events are versioned by {@code schemaVersion}); nulls are left out to keep records small.
     */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private Json() {
    }
}
