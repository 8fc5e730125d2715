package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/queries}: the pipeline's own typed events. */
class NativeQueryTest extends PipelineTestBase {

    @Test
    void aMissThenAHitAsTypedEvents() {
        String prompt = uniquePrompt("native");

        List<String> miss = eventNames(post("/v1/queries", chatBody(prompt, true)));
        HttpResponse<String> hitResponse = post("/v1/queries", chatBody(prompt, true));
        List<String> hit = eventNames(hitResponse);

        assertThat(miss).startsWith("accepted", "cache").contains("token").endsWith("done");
        assertThat(hit).containsExactly("accepted", "cache", "token", "done");
        assertThat(hitResponse.body()).contains("\"outcome\":\"HIT\"", "\"cacheKey\":", "\"timings\":");
    }

    private static List<String> eventNames(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith("event:")) {
                names.add(line.substring(6).strip());
            }
        }
        return names;
    }
}
