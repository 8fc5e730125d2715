package dev.llmcache.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.llmcache.common.event.CacheDirectives;
import org.junit.jupiter.api.Test;

class CacheControlParserTest {

    @Test
    void noHeadersMeanDefaults() {
        assertThat(CacheControlParser.parse(null, null)).isEqualTo(CacheDirectives.DEFAULT);
    }

    @Test
    void readsEveryDirectiveCaseInsensitively() {
        assertThat(CacheControlParser.parse("No-Cache, no-store, max-age=30", "120"))
                .isEqualTo(new CacheDirectives(true, true, 30L, 120L));
    }

    @Test
    void ignoresDirectivesThatDoNotApply() {
        assertThat(CacheControlParser.parse("max-stale=5, private", null)).isEqualTo(CacheDirectives.DEFAULT);
    }

    @Test
    void aMaxAgeGivenTwiceCountsAsTheStricterOne() {
        assertThat(CacheControlParser.parse("max-age=600,max-age=30", null).maxAgeSeconds()).isEqualTo(30L);
    }

    @Test
    void rejectsMalformedNumbers() {
        assertThatThrownBy(() -> CacheControlParser.parse("max-age=abc", null)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> CacheControlParser.parse(null, "-1")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> CacheControlParser.parse(null, "0")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> CacheControlParser.parse(null, "99999999999")).isInstanceOf(ApiException.class);
    }
}
