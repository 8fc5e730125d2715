package dev.llmcache.processor.topology;

import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.ReplyRoute;

/** One request waiting for an in-flight answer, and where its answers go. */
public record Waiter(String requestId, ReplyRoute replyTo, CacheOutcome outcome, long joinedAt) {
}
