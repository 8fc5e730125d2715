package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import java.util.List;

/**
 * Delivers one request's answer text exactly once and in order, whatever the pipeline sends again.
 * Each token chunk says where its text starts in the answer ({@link Answer#at()}): text this request
 * already received is dropped (a chunk re-sent when a processor re-processes after a crash), text
 * after a gap is held back (the text in the gap was lost), and the final answer, which carries the
 * whole text, delivers whatever never arrived. Text sent again must be the same text: an answer
 * that contradicts what the client already has (a re-run that answered otherwise) ends with an
 * error instead of a splice of two answers. A first token sent straight by the LLM worker
 * ({@link Answer#direct()}) counts only while the request has no text yet; after that it is
 * dropped, whatever it says. One instance per request; not thread-safe (a request's
 * answers are handled one at a time, on its own event loop).
 */
public final class TextDelivery {

    private final StringBuilder delivered = new StringBuilder();
    private boolean failed;

    /** What the request should see of {@code answer}: nothing, the answer, or a remainder and then it. */
    public List<Answer> accept(Answer answer) {
        if (failed) {
            return List.of();
        }
        return switch (answer.type()) {
            case CHUNK -> chunk(answer);
            case DONE -> done(answer);
            case STARTED, ERROR -> List.of(answer);
        };
    }

    private List<Answer> chunk(Answer chunk) {
        String text = chunk.delta() == null ? "" : chunk.delta();
        if (chunk.at() == null) {
            delivered.append(text); // written before positions existed: taken as it comes
            return List.of(chunk);
        }
        int at = chunk.at();
        if (chunk.isDirect() && delivered.length() > 0) {
            // The processor's copies (or another run's first token) are here already: they decide.
            return List.of();
        }
        if (at > delivered.length()) {
            return List.of(); // after text that never arrived: the final answer brings it
        }
        int overlap = Math.min(text.length(), delivered.length() - at);
        if (!delivered.substring(at, at + overlap).equals(text.substring(0, overlap))) {
            return contradiction(chunk);
        }
        if (overlap == text.length()) {
            return List.of(); // already delivered
        }
        int position = delivered.length();
        delivered.append(text, overlap, text.length());
        return List.of(overlap == 0 ? chunk : chunk.withDelta(text.substring(overlap), position));
    }

    private List<Answer> done(Answer done) {
        String content = done.content();
        if (delivered.isEmpty() || content == null) {
            return List.of(done);
        }
        if (!content.startsWith(delivered.toString())) {
            return contradiction(done);
        }
        if (content.length() == delivered.length()) {
            return List.of(done);
        }
        Answer missing = Answer.chunk(done.requestId(), done.cacheKey(), done.outcome(), done.model(),
                content.substring(delivered.length()), delivered.length());
        delivered.append(content, delivered.length(), content.length());
        return List.of(missing, done);
    }

    private List<Answer> contradiction(Answer answer) {
        failed = true;
        return List.of(Answer.error(answer.requestId(), answer.cacheKey(), answer.outcome(), answer.model(),
                ErrorInfo.upstream("The answer changed while it was being delivered")));
    }
}
