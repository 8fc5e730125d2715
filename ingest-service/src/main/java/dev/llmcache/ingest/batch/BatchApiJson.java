package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.serde.Json;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The objects of OpenAI's Files and Batch APIs, as the product renders them. */
final class BatchApiJson {

    private BatchApiJson() {
    }

    static ObjectNode file(StoredFile file) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", file.id());
        node.put("object", "file");
        node.put("bytes", file.bytes());
        node.put("created_at", file.createdAt());
        node.putNull("expires_at");
        node.put("filename", file.filename());
        node.put("purpose", file.purpose());
        node.put("status", "processed");
        node.putNull("status_details");
        return node;
    }

    static ObjectNode deleted(String id, String object) {
        return Json.MAPPER.createObjectNode().put("id", id).put("object", object).put("deleted", true);
    }

    static ObjectNode batch(BatchState state) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", state.id());
        node.put("object", "batch");
        node.put("endpoint", state.spec().endpoint());
        if (state.errors().isEmpty()) {
            node.putNull("errors");
        } else {
            ObjectNode errors = node.putObject("errors").put("object", "list");
            ArrayNode data = errors.putArray("data");
            state.errors().forEach(error -> {
                ObjectNode item = data.addObject().put("code", error.code()).put("message", error.message());
                item.put("param", error.param());
                if (error.line() == null) {
                    item.putNull("line");
                } else {
                    item.put("line", error.line());
                }
            });
        }
        node.put("input_file_id", state.spec().inputFileId());
        node.put("completion_window", state.spec().completionWindow());
        node.put("status", state.status().apiName());
        node.put("output_file_id", state.outputFileId());
        node.put("error_file_id", state.errorFileId());
        BatchState.Times times = state.times();
        node.put("created_at", times.createdAt());
        node.put("in_progress_at", times.inProgressAt());
        node.put("expires_at", times.expiresAt());
        node.put("finalizing_at", times.finalizingAt());
        node.put("completed_at", times.completedAt());
        node.put("failed_at", times.failedAt());
        node.put("expired_at", times.expiredAt());
        node.put("cancelling_at", times.cancellingAt());
        node.put("cancelled_at", times.cancelledAt());
        node.putObject("request_counts")
                .put("total", state.counts().total())
                .put("completed", state.counts().completed())
                .put("failed", state.counts().failed());
        ObjectNode metadata = node.putObject("metadata");
        state.spec().metadata().forEach(metadata::put);
        return node;
    }

    /** OpenAI's list object: {@code data}, {@code first_id}, {@code last_id}, {@code has_more}. */
    static <T> ObjectNode list(List<T> page, boolean hasMore, Function<T, ObjectNode> render, Function<T, String> id) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = node.putArray("data");
        page.forEach(item -> data.add(render.apply(item)));
        node.put("first_id", page.isEmpty() ? null : id.apply(page.get(0)));
        node.put("last_id", page.isEmpty() ? null : id.apply(page.get(page.size() - 1)));
        node.put("has_more", hasMore);
        return node;
    }
}
