package dev.llmcache.common.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.junit.jupiter.api.Test;

class DropRefusedRecordsTest {

    private final DropRefusedRecords handler = new DropRefusedRecords();
    private final ErrorHandlerContext context = mock(ErrorHandlerContext.class);
    private final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("answers", new byte[2_000_000]);

    @Test
    void aRecordKafkaWillNeverTakeIsDroppedSoThePartitionGoesOn() {
        assertThat(handler.handleError(context, record, new RecordTooLargeException("too large")).result())
                .isEqualTo(Result.RESUME);
        assertThat(handler.handleSerializationError(context, record, new SerializationException("bad"),
                SerializationExceptionOrigin.VALUE).result()).isEqualTo(Result.RESUME);
    }

    @Test
    void aChangelogRecordIsNeverDroppedSoTheStoreAndItsCopiesStayInStep() {
        ProducerRecord<byte[], byte[]> changelog = new ProducerRecord<>("app-cache-store-changelog", new byte[10]);
        assertThat(handler.handleError(context, changelog, new RecordTooLargeException("too large")).result())
                .isEqualTo(Result.FAIL);
    }

    @Test
    void aPassingFaultIsRetriedAndAnyOtherErrorStillFails() {
        assertThat(handler.handleError(context, record, new TimeoutException("broker away")).result())
                .isEqualTo(Result.RETRY);
        assertThat(handler.handleError(context, record, new AuthorizationException("denied")).result())
                .isEqualTo(Result.FAIL);
    }
}
