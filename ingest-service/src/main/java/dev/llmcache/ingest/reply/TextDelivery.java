package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.Answer;
import java.util.List;

/**
 * Delivers one request's answer text exactly once and in order, whatever the pipeline sends again.
 * Each token chunk says where its text starts in the answer ({@link Answer#at()}): text this request
 * already received is dropped (a chunk re-sent when a processor re-processes after a crash), text
 * after a gap is held back (the text in the gap was lost), and the final answer, which carries the
 * whole text, delivers whatever never arrived. One instance per request; not thread-safe (a
 * request's answers are handled one at a time, on its own event loop).
 */
public final class TextDelivery {

    private int delivered;

    /** What the request should see of {@code answer}: nothing, the answer, or a remainder and then it. */
    public List<Answer> accept(Answer answer) {
        return switch (answer.type()) {
            case CHUNK -> chunk(answer);
            case DONE -> done(answer);
            case STARTED, ERROR -> List.of(answer);
        };
    }

    private List<Answer> chunk(Answer chunk) {
        String text = chunk.delta() == null ? "" : chunk.delta();
        if (chunk.at() == null) {
            delivered += text.length(); // written before positions existed: taken as it comes
            return List.of(chunk);
        }
        int at = chunk.at();
        int end = at + text.length();
        if (end <= delivered || at > delivered) {
            return List.of(); // already delivered, or after text that never arrived (DONE brings it)
        }
        String fresh = text.substring(delivered - at);
        Answer rest = at == delivered ? chunk : chunk.withDelta(fresh, delivered);
        delivered = end;
        return List.of(rest);
    }

    private List<Answer> done(Answer done) {
        String content = done.content();
        if (delivered == 0 || content == null || content.length() <= delivered) {
            return List.of(done);
        }
        Answer missing = Answer.chunk(done.requestId(), done.cacheKey(), done.outcome(), done.model(),
                content.substring(delivered), delivered);
        delivered = content.length();
        return List.of(missing, done);
    }
}
