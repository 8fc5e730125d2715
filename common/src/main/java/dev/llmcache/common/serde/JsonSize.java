package dev.llmcache.common.serde;

/**
 * How many bytes a string takes inside a JSON record (UTF-8, with JSON's escapes). Used to keep
 * records under Kafka's size limit by construction: counting characters would let a text of
 * control characters or CJK grow six or three times larger on the wire.
 */
public final class JsonSize {

    private JsonSize() {
    }

    /** Bytes of {@code text} as a JSON string value, without its quotes. */
    public static long of(CharSequence text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            bytes += of(text.charAt(i));
        }
        return bytes;
    }

    /**
     * The longest prefix of {@code text} that takes at most {@code budget} bytes; never ends
     * between the two halves of a surrogate pair.
     */
    public static String prefixWithin(String text, long budget) {
        long used = 0;
        int end = 0;
        while (end < text.length()) {
            char c = text.charAt(end);
            int width = Character.isHighSurrogate(c) && end + 1 < text.length() ? 2 : 1;
            long cost = width == 2 ? 4 : of(c);
            if (used + cost > budget) {
                break;
            }
            used += cost;
            end += width;
        }
        return text.substring(0, end);
    }

    private static int of(char c) {
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            return 2;
        }
        if (c < 0x20) {
            return 6; // a backslash, u and four hex digits
        }
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800 || Character.isSurrogate(c)) {
            return 2; // a surrogate pair is 4 bytes in UTF-8: 2 for each half
        }
        return 3;
    }
}
