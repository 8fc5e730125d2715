package dev.llmcache.common.semantic;

import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which chat requests may be answered by a semantically similar cached one, and what is compared:
 * only the last message, which must be the user's, made of text. Not eligible: a request asking
 * for several choices ({@code n > 1}), carrying tool results (an answer about one result is wrong
 * for another that reads alike), or images, audio or files anywhere (their content is not
 * compared at all), or a question without a letter or digit (only emoji, symbols or invisible
 * characters: the embedder reads them all as the same unknown token).
 */
public final class SemanticQuestion {

    private static final Pattern LETTER_OR_DIGIT = Pattern.compile("[\\p{L}\\p{N}]");

    private SemanticQuestion() {
    }

    /** The last user message's text, if {@code body} (a validated chat request) is eligible. */
    public static Optional<String> of(ObjectNode body) {
        JsonNode n = body.path("n");
        if (!n.isMissingNode() && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
            return Optional.empty();
        }
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            return Optional.empty();
        }
        for (JsonNode message : messages) {
            String role = message.path("role").asString("");
            if ("tool".equals(role) || "function".equals(role) || hasNonText(message.path("content"))) {
                return Optional.empty();
            }
        }
        JsonNode last = messages.get(messages.size() - 1);
        if (!"user".equals(last.path("role").asString(""))) {
            return Optional.empty();
        }
        String text = text(last.path("content"));
        return text == null || !LETTER_OR_DIGIT.matcher(text).find() ? Optional.empty() : Optional.of(text.strip());
    }

    private static boolean hasNonText(JsonNode content) {
        if (!content.isArray()) {
            return false;
        }
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asString(""))) {
                return true;
            }
        }
        return false;
    }

    /** A string, or the text parts joined by new lines. */
    private static String text(JsonNode content) {
        if (content.isString()) {
            return content.stringValue();
        }
        if (!content.isArray()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.path("text").asString(""));
        }
        return text.toString();
    }
}
