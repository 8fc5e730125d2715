package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The test broker requires SASL/SCRAM authentication, and every pipeline test runs with the
 * credentials given only as {@code spring.kafka.*} properties. Here: without them, or with a wrong
 * password, the product refuses to start and its error names the problem, before it takes a request.
 */
class SecuredKafkaTest {

    @Test
    void withAWrongPasswordTheProductRefusesToStartAndNamesTheAuthenticationFailure() throws IOException {
        Map<String, Object> properties = product();
        properties.putAll(KafkaFixture.springProperties("not-the-password"));

        assertThatThrownBy(() -> start(properties))
                .hasStackTraceContaining("Cannot use Kafka at " + KafkaFixture.bootstrapServers())
                .hasStackTraceContaining("SaslAuthenticationException");
    }

    @Test
    void withoutCredentialsTheProductRefusesToStartAndPointsAtTheSecuritySettings() throws IOException {
        Map<String, Object> properties = product();
        properties.put("spring.kafka.bootstrap-servers", KafkaFixture.bootstrapServers());
        // A plaintext client gets no answer from a SASL listener: it can only time out.
        properties.put("spring.kafka.admin.operation-timeout", "3s");

        assertThatThrownBy(() -> start(properties))
                .hasStackTraceContaining("Cannot use Kafka at " + KafkaFixture.bootstrapServers())
                .hasStackTraceContaining("spring.kafka.security.protocol");
    }

    private static Map<String, Object> product() throws IOException {
        assumeThat(KafkaFixture.clientConfig()).as("the broker is secured").containsKey("sasl.jaas.config");
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", 0);
        properties.put("llmcache.standalone.data-dir", Files.createTempDirectory("llmcache-secured").toString());
        properties.put("llmcache.processor.state-dir", Files.createTempDirectory("llmcache-secured-state").toString());
        properties.put("llmcache.analytics.state-dir", Files.createTempDirectory("llmcache-secured-analytics").toString());
        return properties;
    }

    /** As a user starts it: settings as command-line arguments, over everything in application.yml. */
    private static void start(Map<String, Object> properties) {
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        new SpringApplicationBuilder(StandaloneApplication.class).run(args).close();
    }
}
