package dev.llmcache.replay.input;

import tools.jackson.databind.node.ObjectNode;

/**
 * One line of a replay input: the chat request to send under its {@code custom_id}, or, for a line
 * that cannot be sent, why ({@code error}; the line still gets exactly one output line, with that error).
 *
 * @param lineNumber where it is in the file, from 1
 */
public record InputLine(int lineNumber, String customId, ObjectNode body, String error) {

    public static InputLine valid(int lineNumber, String customId, ObjectNode body) {
        return new InputLine(lineNumber, customId, body, null);
    }

    public static InputLine invalid(int lineNumber, String customId, String error) {
        return new InputLine(lineNumber, customId, null, error);
    }

    public boolean isValid() {
        return error == null;
    }
}
