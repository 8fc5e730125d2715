package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Thousands of malformed, oversized, deeply nested, wrongly typed and unicode-edge-case requests
 * and headers (from a seeded generator that favours edge cases, so a failure can be replayed), sent to the OpenAI-compatible and
 * the native endpoint while valid traffic runs: every one gets a 4xx in the OpenAI error shape
 * (or, for the cases a generator happens to make valid, an answer), never a 5xx or a hang, and
 * the valid traffic is answered throughout.
 */
class HostileInputTest extends PipelineTestBase {

    private static final int CASES = 2_700;
    private static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/queries");
    private static final String VALID = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"fuzz\"}]}";
    private static final List<String> FIELDS = List.of("model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "n", "stop", "stream", "stream_options", "seed", "tools", "presence_penalty",
            "frequency_penalty", "response_format", "tool_choice", "user", "logit_bias");
    private static final List<String> HEADERS = List.of("X-Request-ID", "X-Tenant-ID", "X-Cache-Namespace",
            "X-Cache-TTL", "Cache-Control", "Content-Type", "Authorization", "traceparent");

    private final Random random = new Random(20261122);
    private final EdgeCases edges = new EdgeCases(random);

    /** One request: where, what body, which headers. */
    private record Case(String kind, String path, byte[] body, Map<String, String> headers) {
    }

    @Test
    void malformedOversizedAndHostileRequestsAllGetA4xxInTheErrorShapeWhileValidTrafficIsServed() throws Exception {
        AtomicBoolean fuzzing = new AtomicBoolean(true);
        List<Integer> validStatuses = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> validTraffic = CompletableFuture.runAsync(() -> {
            int i = 0;
            while (fuzzing.get()) {
                // Half repeat one prompt (hits), half are new (misses through the whole pipeline).
                String prompt = i++ % 2 == 0 ? "valid traffic during fuzzing" : uniquePrompt("valid during fuzzing");
                HttpResponse<String> answered = chat(prompt);
                validStatuses.add(answered.statusCode());
                assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
                assertThat(Json.MAPPER.readTree(answered.body()).path("choices").path(0).path("message")
                        .path("content").asString()).isNotBlank();
            }
        });

        List<Case> cases = new ArrayList<>();
        List<Supplier<Case>> generators = List.of(this::garbageBytes, this::unicodeText, this::wrongType,
                this::deeplyNested, this::oversized, this::tooManyOrTooLong, this::unicodeEdges, this::hostileHeader,
                this::numericEdge);
        for (int i = 0; i < CASES; i++) {
            cases.add(generators.get(i % generators.size()).get());
        }
        Map<String, Integer> statusesByKind = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        Semaphore concurrency = new Semaphore(8);
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (Case fuzz : cases) {
            concurrency.acquire();
            sent.add(HTTP.sendAsync(request(fuzz), HttpResponse.BodyHandlers.ofString())
                    .orTimeout(30, java.util.concurrent.TimeUnit.SECONDS)
                    .whenComplete((response, error) -> {
                        concurrency.release();
                        String verdict = error != null ? "no answer: " + error : verdictOn(response);
                        if (verdict != null) {
                            failures.add(fuzz.kind() + " " + fuzz.path() + " " + preview(fuzz.headers().toString()
                                    .getBytes(StandardCharsets.UTF_8)) + " " + preview(fuzz.body()) + " -> " + verdict);
                        } else {
                            statusesByKind.merge(fuzz.kind() + " " + response.statusCode(), 1, Integer::sum);
                        }
                    }));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        fuzzing.set(false);
        validTraffic.get(60, java.util.concurrent.TimeUnit.SECONDS);

        System.out.println("Fuzz outcomes by kind and status: " + new java.util.TreeMap<>(statusesByKind));
        assertThat(failures).as("requests answered outside a 4xx in the error shape").isEmpty();
        long refused = statusesByKind.entrySet().stream().filter(e -> e.getKey().matches(".* 4\\d\\d"))
                .mapToLong(Map.Entry::getValue).sum();
        assertThat(refused).as("most of the generated requests are invalid").isGreaterThan(CASES * 3L / 4);
        assertThat(validStatuses).as("valid traffic ran throughout").hasSizeGreaterThan(5).containsOnly(200);
    }

    @Test
    void textThatLooksLikeSseFramingIsEscapedInEveryStream() {
        String prompt = uniquePrompt("multiline");
        UPSTREAM.failWhenPromptContains(prompt, FaultyUpstream.Fault.MULTILINE);

        HttpResponse<String> streamed = post("/v1/chat/completions", chatBody(prompt, true));
        HttpResponse<String> whole = post("/v1/chat/completions", chatBody(prompt, false));
        HttpResponse<String> nativeStream = post("/v1/queries", chatBody(prompt, true));

        SseStream stream = SseStream.parse(streamed.headers().firstValue("X-Cache").orElse("?"), streamed.body());
        assertThat(stream.text()).isEqualTo(FaultyUpstream.MULTILINE_ANSWER);
        assertThat(streamed.body().split("\n")).allSatisfy(line -> assertThat(line).matches("(?s)(data:.*)?"));
        assertThat(stream.events().stream().filter("[DONE]"::equals)).hasSize(1);
        assertThat(Json.MAPPER.readTree(whole.body()).path("choices").path(0).path("message").path("content")
                .asString()).isEqualTo(FaultyUpstream.MULTILINE_ANSWER);
        StringBuilder tokens = new StringBuilder();
        for (String event : nativeStream.body().split("\n\n")) {
            if (event.startsWith("event:token\n") || event.startsWith("event: token\n")) {
                String data = event.substring(event.indexOf('\n') + 1).replaceFirst("^data: ?", "");
                tokens.append(Json.MAPPER.readTree(data).path("text").asString());
            }
        }
        assertThat(tokens.toString()).isEqualTo(FaultyUpstream.MULTILINE_ANSWER);
    }

    @Test
    void malformedHttpAndHeaderInjectionAreRefusedWith4xx() throws IOException {
        String body = VALID;
        List<String> heads = List.of(
                "X-Request-ID: abc\rX-Cache: HIT",
                "X-Request-ID: abc\u0000def",
                "X-Tenant-ID team-a",
                "X-Cache-TTL: " + "9".repeat(40),
                "X-Request-ID: " + "r".repeat(20_000),
                "X-Padding: " + "p".repeat(100_000));
        for (String head : heads) {
            String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + head + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
            String statusLine = rawExchange(request);
            assertThat(statusLine).as(head.substring(0, Math.min(40, head.length()))).matches("HTTP/1\\.1 4\\d\\d .*");
        }
    }

    /** Null if the response is acceptable: a 4xx in the error shape, or a complete answer. */
    private static String verdictOn(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 200) {
            return null;
        }
        if (status < 400 || status >= 500) {
            return "status " + status + ": " + response.body();
        }
        try {
            JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
            boolean shaped = error.path("message").isString() && error.path("type").isString()
                    && error.has("param") && error.has("code");
            return shaped ? null : "status " + status + " without the error shape: " + response.body();
        } catch (JacksonException e) {
            return "status " + status + " with a body that is not JSON: " + response.body();
        }
    }

    private HttpRequest request(Case fuzz) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(fuzz.path())).timeout(Duration.ofSeconds(30));
        boolean typed = false;
        for (Map.Entry<String, String> header : fuzz.headers().entrySet()) {
            request.header(header.getKey(), header.getValue());
            typed |= header.getKey().equalsIgnoreCase("Content-Type");
        }
        if (!typed) {
            request.header("Content-Type", "application/json");
        }
        // Some bodies go without a Content-Length (chunked), as streaming clients send them.
        HttpRequest.BodyPublisher body = random.nextInt(4) == 0
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(fuzz.body()))
                : HttpRequest.BodyPublishers.ofByteArray(fuzz.body());
        return request.POST(body).build();
    }

    private String path() {
        return PATHS.get(random.nextInt(PATHS.size()));
    }

    private Case garbageBytes() {
        byte[] bytes = new byte[random.nextInt(2_048)];
        random.nextBytes(bytes);
        return new Case("garbage", path(), bytes, Map.of());
    }

    private Case unicodeText() {
        return new Case("unicode-text", path(), edges.anyText(64).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A valid request with one field replaced by a value of another type or out of range. */
    private Case wrongType() {
        String field = FIELDS.get(random.nextInt(FIELDS.size()));
        String value = anyJson(3);
        String body = VALID.substring(0, VALID.length() - 1) + ",\"" + field + "\":" + value + "}";
        if (field.equals("messages") || field.equals("model")) {
            body = "{\"" + field + "\":" + value + (field.equals("model")
                    ? ",\"messages\":[{\"role\":\"user\",\"content\":\"fuzz\"}]}"
                    : ",\"model\":\"gpt-4o-mini\"}");
        }
        if (random.nextBoolean()) {
            body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":" + anyJson(1) + ",\"content\":"
                    + anyJson(2) + "}]}";
        }
        return new Case("wrong-type", path(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A numeric parameter at the edges of every number type: huge, tiny, negative, fractional, long. */
    private Case numericEdge() {
        List<String> fields = List.of("temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "seed",
                "presence_penalty", "frequency_penalty", "top_logprobs");
        List<String> numbers = List.of("4294967296", "-9223372036854775809", "123456789012345678901234567890",
                "1" + "0".repeat(400), "1e400", "-1e400", "1e-400", "0.5", "-0", "2147483648", "-1",
                "3.0000000000000000001", Long.toString(edges.anyLong()), Double.toString(edges.anyDouble()));
        String field = fields.get(random.nextInt(fields.size()));
        String number = numbers.get(random.nextInt(numbers.size())).replace("Infinity", "1e999").replace("NaN", "1");
        String body = random.nextBoolean()
                ? VALID.substring(0, VALID.length() - 1) + ",\"" + field + "\":" + number + "}"
                : VALID.substring(0, VALID.length() - 1) + ",\"logit_bias\":{\"50256\":" + number + "}}";
        return new Case("numeric-edge", path(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private Case deeplyNested() {
        int depth = 200 + random.nextInt(20_000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        String nested = open.repeat(depth) + "1" + close.repeat(depth);
        String body = random.nextBoolean()
                ? nested
                : "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":" + nested + "}]}";
        return new Case("deeply-nested", path(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Larger than the body limit (64 KB in these tests), with or without a Content-Length. */
    private Case oversized() {
        int size = 65 * 1024 + random.nextInt(512 * 1024);
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(size) + "\"}]}";
        return new Case("oversized", path(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private Case tooManyOrTooLong() {
        StringBuilder messages = new StringBuilder();
        int count = random.nextBoolean() ? 3_000 + random.nextInt(2_000) : 1;
        for (int i = 0; i < count; i++) {
            messages.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"m\"}");
        }
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[" + messages + "],\"stop\":["
                + "\"s\",".repeat(random.nextInt(50)) + "\"s\"],\"tools\":[" + "{},".repeat(200 + random.nextInt(100))
                + "{}]}";
        return new Case("too-many", path(), body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Lone surrogates, NULs, BOMs, overlong and truncated UTF-8, UTF-16 bodies. */
    private Case unicodeEdges() {
        List<Supplier<byte[]>> bodies = List.of(
                () -> json("\\ud800"),
                () -> json("\\udfff\\ud800 tail"),
                () -> json("nul \\u0000 inside"),
                () -> json("\u202Eright to left \uFEFF zero width"),
                () -> json(this.edges.anyText(64).replace("\\", "\\\\").replace("\"", "\\\"")),
                () -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, VALID.getBytes(StandardCharsets.UTF_8)),
                () -> concat(json("overlong ").clone(), new byte[] {(byte) 0xC0, (byte) 0xAF}),
                () -> {
                    byte[] valid = json("truncated \u00e9\u00e9");
                    return java.util.Arrays.copyOf(valid, valid.length - 5);
                },
                () -> VALID.getBytes(StandardCharsets.UTF_16));
        return new Case("unicode-edge", path(), bodies.get(random.nextInt(bodies.size())).get(), Map.of());
    }

    /** A valid body with one of the API's headers set to a random, oversized or malformed value. */
    private Case hostileHeader() {
        String name = HEADERS.get(random.nextInt(HEADERS.size()));
        String value = switch (random.nextInt(4)) {
            case 0 -> edges.printable(64);
            case 1 -> "x".repeat(4_000 + random.nextInt(40_000));
            case 2 -> Long.toString(edges.anyLong());
            default -> edges.printable(64) + "\u00e9\u00ff";
        };
        if (value.isBlank()) {
            value = "-";
        }
        return new Case("header " + name, path(), VALID.getBytes(StandardCharsets.UTF_8), Map.of(name, value));
    }

    private static byte[] json(String content) {
        return ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** A random JSON value, of any type, often at the edges (huge, negative, fractional, empty). */
    private String anyJson(int depth) {
        int pick = random.nextInt(depth > 0 ? 9 : 6);
        return switch (pick) {
            case 0 -> "null";
            case 1 -> Boolean.toString(random.nextBoolean());
            case 2 -> Long.toString(edges.anyLong());
            case 3 -> Double.toString(edges.anyDouble()).replace("Infinity", "1e999").replace("NaN", "0.5e-999");
            case 4 -> Json.MAPPER.writeValueAsString(edges.anyText(64));
            case 5 -> List.of("1e400", "-1e400", "123456789012345678901234567890", "-0", "0.0000000000001").get(random.nextInt(5));
            case 6 -> "[" + anyJson(depth - 1) + "," + anyJson(depth - 1) + "]";
            case 7 -> "{\"" + edges.printable(64).replace("\\", "").replace("\"", "") + "\":" + anyJson(depth - 1) + "}";
            default -> "[]";
        };
    }

    private static String preview(byte[] body) {
        String text = new String(body, 0, Math.min(120, body.length), StandardCharsets.UTF_8);
        return body.length > 120 ? text + "... (" + body.length + " bytes)" : text;
    }

    /** Sends raw bytes on a socket (no client library would send these) and reads the status line. */
    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.append((char) b);
            }
            return line.toString().strip();
        }
    }

    /** Random values that are often at the edges of their type: what breaks parsers. */
    private static final class EdgeCases {

        private static final long[] LONGS = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE + 1L, Integer.MIN_VALUE, Integer.MIN_VALUE - 1L, 1L << 53, -(1L << 53)};
        private static final double[] DOUBLES = {0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-320, 2.0000000000000004};
        /** Characters that break naive handling: controls, lone surrogates, separators, BOM, RTL, NUL. */
        private static final char[] CHARS = {'\u0000', '\u0001', '\u001f', '\u007f', '\\', '"', '\n', '\r', '\t',
                '\ud800', '\udbff', '\udc00', '\udfff', '\u2028', '\u2029', '\ufeff', '\u202e', '\ufffd', '\uffff', '\u0085'};

        private final Random random;

        EdgeCases(Random random) {
            this.random = random;
        }

        /** Any UTF-16 text, including lone surrogates, controls and supplementary characters. */
        String anyText(int maxLength) {
            int length = random.nextInt(4) == 0 ? 0 : random.nextInt(maxLength + 1);
            StringBuilder text = new StringBuilder(length);
            while (text.length() < length) {
                switch (random.nextInt(4)) {
                    case 0 -> text.append(CHARS[random.nextInt(CHARS.length)]);
                    case 1 -> text.appendCodePoint(0x1F600 + random.nextInt(80));
                    case 2 -> text.append((char) random.nextInt(Character.MAX_VALUE + 1));
                    default -> text.append((char) (' ' + random.nextInt(95)));
                }
            }
            return text.toString();
        }

        String printable(int maxLength) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(maxLength + 1);
            for (int i = 0; i < length; i++) {
                text.append((char) (' ' + random.nextInt(95)));
            }
            return text.toString();
        }

        long anyLong() {
            return random.nextBoolean() ? LONGS[random.nextInt(LONGS.length)] : random.nextLong();
        }

        double anyDouble() {
            return random.nextBoolean() ? DOUBLES[random.nextInt(DOUBLES.length)]
                    : Double.longBitsToDouble(random.nextLong());
        }
    }
}
