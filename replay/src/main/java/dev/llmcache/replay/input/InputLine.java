package dev.llmcache.replay.input;

import tools.jackson.databind.node.ObjectNode;

/**
 * One line of a replay input: the chat request to send under its {@code custom_id}, or, for a line
 * that cannot be sent, why ({@code error}; the line still gets exactly one output line, with that error).
 *
 * @param lineNumber where it is in the file, from 1
 * @param namespace  the cache namespace a recorded query was asked in ({@code llmcache.namespace} of a
 *                   line exported from the product); null for other lines
 */
public record InputLine(int lineNumber, String customId, ObjectNode body, String error, String namespace) {

    public static InputLine valid(int lineNumber, String customId, ObjectNode body, String namespace) {
        return new InputLine(lineNumber, customId, body, null, namespace);
    }

    public static InputLine invalid(int lineNumber, String customId, String error) {
        return new InputLine(lineNumber, customId, null, error, null);
    }

    public boolean isValid() {
        return error == null;
    }
}
