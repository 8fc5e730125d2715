package dev.llmcache.ingest.reply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextDeliveryTest {

    private final TextDelivery delivery = new TextDelivery();
    private final List<Answer> seen = new ArrayList<>();

    @Test
    void textSentAgainAfterACrashIsDeliveredOnce() {
        receive(chunk("Hello", 0), chunk(" wor", 5), chunk("Hello", 0), chunk(" wor", 5), chunk("ld", 9));

        assertThat(text()).isEqualTo("Hello world");
    }

    @Test
    void aChunkThatOverlapsWhatWasDeliveredAddsOnlyItsNewPart() {
        receive(chunk("Hello", 0), chunk("lo world", 3));

        assertThat(text()).isEqualTo("Hello world");
        assertThat(seen.get(1).at()).isEqualTo(5);
    }

    @Test
    void textAfterAGapIsHeldBackAndTheFinalAnswerDeliversWhatWasMissing() {
        receive(chunk("Hello", 0), chunk("ld", 9), done("Hello world"));

        assertThat(text()).isEqualTo("Hello world");
        assertThat(seen.get(seen.size() - 1).type()).isEqualTo(Answer.Type.DONE);
    }

    @Test
    void anAnswerThatContradictsTheDeliveredTextEndsWithAnErrorInsteadOfASplice() {
        receive(chunk("Hello", 0), chunk("Howdy", 0), chunk(" world", 5), done("Howdy world"));

        assertThat(text()).isEqualTo("Hello");
        assertThat(seen).last().satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.ERROR));
        assertThat(seen).filteredOn(a -> a.type() == Answer.Type.ERROR).hasSize(1);
    }

    @Test
    void aFinalAnswerThatDoesNotExtendTheDeliveredTextIsAnError() {
        receive(chunk("Hello", 0), done("Goodbye"));

        assertThat(seen).last().satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.ERROR));
    }

    @Test
    void anAnswerWithoutStreamedTextIsLeftAsItIs() {
        receive(done("Hello world"));

        assertThat(seen).singleElement().satisfies(a -> assertThat(a.type()).isEqualTo(Answer.Type.DONE));
    }

    @Test
    void theFirstTokenSentStraightByTheWorkerIsDeliveredOnceWhicheverCopyComesFirst() {
        receive(direct("Hel"), chunk("Hel", 0), chunk("lo", 3));
        assertThat(text()).isEqualTo("Hello");

        TextDelivery processorFirst = new TextDelivery();
        List<Answer> other = new ArrayList<>();
        for (Answer answer : List.of(chunk("Hel", 0), direct("Hel"), chunk("lo", 3))) {
            other.addAll(processorFirst.accept(answer));
        }
        assertThat(other).extracting(Answer::delta).containsExactly("Hel", "lo");
    }

    @Test
    void aDirectFirstTokenOfARerunThatAnswersOtherwiseIsDroppedNotAnError() {
        receive(chunk("Hello", 0), direct("Howdy"), chunk(" world", 5), done("Hello world"));

        assertThat(text()).isEqualTo("Hello world");
        assertThat(seen).noneMatch(a -> a.type() == Answer.Type.ERROR);
    }

    @Test
    void aDirectFirstTokenNeverExtendsTextThatCameFromElsewhere() {
        // Another run's first token was delivered; this run's longer first token would splice two runs.
        receive(direct("Hel"), direct("Hello there"), chunk("Hel", 0), chunk("lo", 3));

        assertThat(text()).isEqualTo("Hello");
    }

    private void receive(Answer... answers) {
        for (Answer answer : answers) {
            seen.addAll(delivery.accept(answer));
        }
    }

    private String text() {
        StringBuilder text = new StringBuilder();
        seen.stream().filter(a -> a.type() == Answer.Type.CHUNK).forEach(a -> text.append(a.delta()));
        return text.toString();
    }

    private static Answer chunk(String delta, int at) {
        return Answer.chunk("r1", "key", CacheOutcome.MISS, "m", delta, at);
    }

    private static Answer direct(String firstToken) {
        return Answer.directChunk("r1", "key", CacheOutcome.MISS, "m", firstToken);
    }

    private static Answer done(String content) {
        return Answer.done("r1", "key", CacheOutcome.MISS, "m", content, "stop", null, 0, null);
    }
}
