package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ReplyRoute;

/** An answer together with the reply route of the request it is for; only the answer goes on the wire. */
record RoutedAnswer(ReplyRoute route, Answer answer) {
}
