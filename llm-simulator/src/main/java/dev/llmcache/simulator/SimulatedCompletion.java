package dev.llmcache.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The simulated model's answer to a request: deterministic (the same request always gets the same
 * tokens), derived from the prompt, and honest about being simulated.
 *
 * @param tokens       the answer as streamed, each token with its leading space
 * @param finishReason {@code stop}, or {@code length} when {@code max_tokens} cut it
 */
public record SimulatedCompletion(List<String> tokens, String finishReason, int promptTokens) {

    private static final String[] WORDS = ("the a of to and in that is for it as with on by this be are from at or "
            + "cache stream token model answer query kafka partition latency request event state store key value "
            + "record broker topic consumer producer signal pipeline result data system memory time fast simple")
            .split(" ");

    public static SimulatedCompletion of(ObjectNode request) {
        String prompt = promptText(request);
        SplittableRandom random = new SplittableRandom(prompt.hashCode() * 31L + request.path("model").asString("").hashCode());
        List<String> tokens = new ArrayList<>();
        for (String word : ("Simulated answer to: " + firstWords(prompt, 8) + ".").split(" ")) {
            tokens.add(" " + word);
        }
        int length = 20 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            tokens.add(" " + WORDS[random.nextInt(WORDS.length)]);
        }
        tokens.set(tokens.size() - 1, tokens.get(tokens.size() - 1) + ".");
        tokens.set(0, tokens.get(0).strip());
        String finish = "stop";
        int maxTokens = request.path("max_tokens").asInt(request.path("max_completion_tokens").asInt(0));
        if (maxTokens > 0 && tokens.size() > maxTokens) {
            tokens = new ArrayList<>(tokens.subList(0, maxTokens));
            finish = "length";
        }
        return new SimulatedCompletion(List.copyOf(tokens), finish, Math.max(1, prompt.length() / 4));
    }

    public String content() {
        return String.join("", tokens);
    }

    private static String promptText(ObjectNode request) {
        StringBuilder text = new StringBuilder();
        for (JsonNode message : request.path("messages")) {
            JsonNode content = message.path("content");
            text.append(content.isString() ? content.stringValue() : content.toString()).append('\n');
        }
        return text.toString().strip();
    }

    private static String firstWords(String prompt, int count) {
        String[] words = prompt.split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.min(count, words.length)));
    }
}
