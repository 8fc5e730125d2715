package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, unmodified, pointed at the pipeline. */
class OpenAiSdkTest extends PipelineTestBase {

    private OpenAIClient client() {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("not-needed")
                .maxRetries(0)
                .build();
    }

    @Test
    void nonStreamingCompletion() {
        String prompt = uniquePrompt("sdk blocking");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage(prompt).temperature(0.2).build();

        ChatCompletion completion = client().chat().completions().create(params);

        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(
                text -> assertThat(text).startsWith("Simulated answer"));
        assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens()).isPositive());
    }

    @Test
    void streamingCompletionThenTheSameFromTheCache() {
        String prompt = uniquePrompt("sdk streaming");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage(prompt).build();

        String streamed = stream(params);
        String cached = stream(params);

        assertThat(streamed).startsWith("Simulated answer");
        assertThat(cached).isEqualTo(streamed);
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    private String stream(ChatCompletionCreateParams params) {
        try (StreamResponse<ChatCompletionChunk> chunks = client().chat().completions().createStreaming(params)) {
            return chunks.stream()
                    .flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }
    }
}
