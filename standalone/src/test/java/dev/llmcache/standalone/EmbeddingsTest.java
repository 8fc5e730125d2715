package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.SimulatedEmbedding;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/embeddings} through the pipeline: each input cached on its own, only new inputs
 * upstream (in one request), answers in the client's order, the in-process model with no upstream.
 */
class EmbeddingsTest extends PipelineTestBase {

    /** Routed to the test's upstream (the simulated LLM server), which counts what it is asked. */
    private static final String UPSTREAM_MODEL = "gpt-4o-mini";
    private static final String LOCAL_MODEL = "all-minilm-l6-v2";

    @Test
    void aBatchOfMostlyKnownInputsSendsOnlyTheNewOnesUpstreamInOneRequest() {
        List<String> known = texts("known", 10);
        HttpResponse<String> first = embed(UPSTREAM_MODEL, known);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
        int callsBefore = UPSTREAM.embeddingCalls().size();

        List<String> mixed = new ArrayList<>(known);
        String newA = uniquePrompt("new a");
        String newB = uniquePrompt("new b");
        mixed.add(3, newA);
        mixed.add(newB);
        HttpResponse<String> second = embed(UPSTREAM_MODEL, mixed);

        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("X-Cache")).hasValue("PARTIAL");
        assertThat(second.headers().firstValue("X-Cache-Hits")).hasValue("10/12");
        assertThat(UPSTREAM.embeddingCalls().subList(callsBefore, UPSTREAM.embeddingCalls().size()))
                .singleElement().satisfies(call -> assertThat(call).containsExactlyInAnyOrder(newA, newB));
        assertVectorsInOrder(Json.MAPPER.readTree(second.body()), mixed);
    }

    @Test
    void aRepeatedRequestIsAHitWithTheSameVectorsAndUsage() {
        List<String> inputs = texts("repeat", 3);
        JsonNode first = Json.MAPPER.readTree(embed(UPSTREAM_MODEL, inputs).body());
        HttpResponse<String> again = embed(UPSTREAM_MODEL, inputs);

        assertThat(again.headers().firstValue("X-Cache")).hasValue("HIT");
        JsonNode second = Json.MAPPER.readTree(again.body());
        assertThat(second.get("data")).isEqualTo(first.get("data"));
        assertThat(second.path("usage").path("prompt_tokens").asInt())
                .isEqualTo(first.path("usage").path("prompt_tokens").asInt())
                .isGreaterThanOrEqualTo(inputs.size());
        assertThat(second.path("usage").path("total_tokens").asInt())
                .isEqualTo(second.path("usage").path("prompt_tokens").asInt());
        assertThat(second.path("model").asString()).isEqualTo(UPSTREAM_MODEL);
    }

    @Test
    void identicalInputsInFlightAreEmbeddedOnce() {
        String text = uniquePrompt("coalesced input");
        List<CompletableFuture<HttpResponse<String>>> requests = IntStream.range(0, 6)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> embed(UPSTREAM_MODEL, List.of(text))))
                .toList();

        assertThat(requests).allSatisfy(r -> assertThat(r.join().statusCode()).isEqualTo(200));
        assertThat(UPSTREAM.embeddingCalls().stream().flatMap(List::stream).filter(text::equals)).hasSize(1);
    }

    @Test
    void aSecondRequestWithTheIdOfOneInFlightIsRefused() throws Exception {
        String id = "emb-" + java.util.UUID.randomUUID();
        // New inputs wait for the worker's batch window: the first request is surely still in flight.
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(
                () -> embed(UPSTREAM_MODEL, texts("held id a", 3), "X-Request-ID", id));
        Thread.sleep(50);
        HttpResponse<String> second = embed(UPSTREAM_MODEL, texts("held id b", 3), "X-Request-ID", id);

        assertThat(List.of(first.join().statusCode(), second.statusCode())).containsExactlyInAnyOrder(200, 409);
        assertThat(embed(UPSTREAM_MODEL, texts("held id c", 1), "X-Request-ID", id).statusCode()).isEqualTo(200);
    }

    @Test
    void tenantsDoNotShareEmbeddings() {
        String text = uniquePrompt("tenant input");
        assertThat(embed(UPSTREAM_MODEL, List.of(text), "X-Tenant-ID", "emb-a").headers().firstValue("X-Cache"))
                .hasValue("MISS");
        assertThat(embed(UPSTREAM_MODEL, List.of(text), "X-Tenant-ID", "emb-b").headers().firstValue("X-Cache"))
                .hasValue("MISS");
        assertThat(embed(UPSTREAM_MODEL, List.of(text), "X-Tenant-ID", "emb-a").headers().firstValue("X-Cache"))
                .hasValue("HIT");
    }

    @Test
    void theOfficialSdkCreatesEmbeddingsUnmodified() {
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("not-needed").maxRetries(0).build();
        List<String> inputs = texts("sdk", 4);

        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(UPSTREAM_MODEL).inputOfArrayOfStrings(inputs).build());

        assertThat(response.data()).hasSize(4);
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(response.data().get(i).index()).isEqualTo(i);
            float[] expected = SimulatedEmbedding.of(inputs.get(i), 64);
            List<Float> vector = response.data().get(i).embedding();
            assertThat(vector).hasSize(expected.length);
            assertThat(vector.get(0)).isEqualTo(expected[0]);
            assertThat(vector.get(63)).isEqualTo(expected[63]);
        }
        assertThat(response.usage().promptTokens()).isPositive();
    }

    @Test
    void theInProcessModelEmbedsWithNoUpstream() {
        int callsBefore = UPSTREAM.embeddingCalls().size();
        String tag = uniquePrompt("");
        List<String> inputs = List.of("What is the capital of France? " + tag,
                "Tell me the capital city of France. " + tag,
                "How do I bake sourdough bread at home? " + tag);

        HttpResponse<String> response = embed(LOCAL_MODEL, inputs);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode data = Json.MAPPER.readTree(response.body()).get("data");
        float[][] vectors = new float[3][];
        for (int i = 0; i < 3; i++) {
            vectors[i] = floats(data.get(i).get("embedding"));
            assertThat(vectors[i]).hasSize(384);
            assertThat(dot(vectors[i], vectors[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        }
        assertThat(dot(vectors[0], vectors[1])).isGreaterThan(dot(vectors[0], vectors[2]) + 0.2);
        assertThat(UPSTREAM.embeddingCalls()).hasSize(callsBefore);
        assertThat(embed(LOCAL_MODEL, inputs.subList(0, 1)).headers().firstValue("X-Cache")).hasValue("HIT");
    }

    @Test
    void base64IsTheSameVectorAsFloats() {
        List<String> inputs = texts("base64", 2);
        JsonNode floats = Json.MAPPER.readTree(embed(UPSTREAM_MODEL, inputs).body());
        ObjectNode request = request(UPSTREAM_MODEL, inputs).put("encoding_format", "base64");
        JsonNode base64 = Json.MAPPER.readTree(post("/v1/embeddings", request.toString()).body());

        for (int i = 0; i < 2; i++) {
            byte[] bytes = java.util.Base64.getDecoder().decode(base64.get("data").get(i).get("embedding").asString());
            float[] decoded = new float[bytes.length / 4];
            java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(decoded);
            assertThat(decoded).containsExactly(floats(floats.get("data").get(i).get("embedding")));
        }
    }

    @Test
    void badInputIsA4xxInOpenAisFormat() {
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":[]}"), 400, "input");
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":[\"a\",\"\"]}"), 400,
                "input[1]");
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":[\"a\",[1,2]]}"), 400,
                "input[1]");
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":[[1,-2]]}"), 400,
                "input[0]");
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":\"a\","
                + "\"encoding_format\":\"hex\"}"), 400, "encoding_format");
        assertError(post("/v1/embeddings", "{\"model\":\"" + UPSTREAM_MODEL + "\",\"input\":\"a\",\"dimensions\":0}"),
                400, "dimensions");
        assertError(post("/v1/embeddings", "{\"model\":\"no-such-model\",\"input\":\"a\"}"), 404, "model");
        assertError(post("/v1/embeddings", "{\"input\":\"a\"}"), 400, "model");
        assertError(post("/v1/embeddings", "[1,2]"), 400, null);
        ArrayNode tooMany = Json.MAPPER.createArrayNode();
        IntStream.range(0, 2049).forEach(i -> tooMany.add("x" + i));
        assertError(post("/v1/embeddings", request(UPSTREAM_MODEL, List.of()).set("input", tooMany).toString()),
                400, "input");
        // Refused by the model itself, after the pipeline: still a 400, not a 5xx.
        assertError(post("/v1/embeddings", "{\"model\":\"" + LOCAL_MODEL + "\",\"input\":\"a\",\"dimensions\":10}"),
                400, null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + LOCAL_MODEL + "\",\"input\":[[1,2]]}"), 400, null);
        // A model of one kind asked for the other is refused at the door, before the pipeline.
        assertError(post("/v1/chat/completions", "{\"model\":\"" + LOCAL_MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400, "model");
    }

    private static void assertError(HttpResponse<String> response, int status, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertThat(error.path("message").asString()).isNotBlank();
        if (param != null) {
            assertThat(error.path("param").asString()).isEqualTo(param);
        }
    }

    private static void assertVectorsInOrder(JsonNode answer, List<String> inputs) {
        JsonNode data = answer.get("data");
        assertThat(data).hasSize(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(data.get(i).get("index").asInt()).isEqualTo(i);
            assertThat(floats(data.get(i).get("embedding"))).containsExactly(SimulatedEmbedding.of(inputs.get(i), 64));
        }
    }

    private static List<String> texts(String topic, int count) {
        String base = uniquePrompt(topic);
        return IntStream.range(0, count).mapToObj(i -> base + " item " + i).toList();
    }

    private HttpResponse<String> embed(String model, List<String> inputs, String... headers) {
        return post("/v1/embeddings", request(model, inputs).toString(), headers);
    }

    private static ObjectNode request(String model, List<String> inputs) {
        ObjectNode request = Json.MAPPER.createObjectNode().put("model", model);
        ArrayNode array = request.putArray("input");
        inputs.forEach(array::add);
        return request;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).floatValue();
        }
        return values;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
