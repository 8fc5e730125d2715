package dev.llmcache.standalone.broker;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller), run in
 * this JVM from the Maven Central artifacts, listening on loopback only.
 *
 * <p>Its log directory is formatted on first start and reused afterwards, so topics, the durable
 * cache log and committed offsets survive a restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    /** The SASL mechanism of a secured broker. */
    public static final String SCRAM = "SCRAM-SHA-512";
    private static final String BROKER_USER = "broker";

    private final KafkaRaftServer server;
    private final int port;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public static EmbeddedKafkaBroker start(Path logDir, int port) {
        return start(logDir, port, Map.of());
    }

    /**
     * @param logDir    where the broker keeps its data (created if missing)
     * @param port      client port, or 0 for any free port
     * @param overrides broker settings (Kafka's own names) that replace the defaults below
     */
    public static EmbeddedKafkaBroker start(Path logDir, int port, Map<String, String> overrides) {
        return start(logDir, port, overrides, Map.of());
    }

    /**
     * A broker whose client listener requires SASL/SCRAM-SHA-512 authentication (as managed Kafka
     * services do), over plaintext on loopback: for testing the product against a secured cluster.
     *
     * @param users user name to password; the broker authenticates to itself as one more user
     */
    public static EmbeddedKafkaBroker startSecured(Path logDir, Map<String, String> users) {
        return start(logDir, 0, Map.of(), users);
    }

    private static EmbeddedKafkaBroker start(Path logDir, int port, Map<String, String> overrides,
                                             Map<String, String> scramUsers) {
        int clientPort = port == 0 ? freePort() : port;
        int controllerPort = freePort();
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Kafka data directory " + logDir, e);
        }
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + clientPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toAbsolutePath().toString());
        // One node: every internal topic has one replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Nobody else joins a group here: do not wait 3 s for them on every start.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // On restart the controller still holds the previous run's broker registration until its
        // session expires; a short session on loopback keeps restarts fast.
        props.put("broker.session.timeout.ms", "2000");
        props.put("broker.heartbeat.interval.ms", "500");
        // The log cleaner allocates its dedupe buffer on the heap at start (128 MiB by default, an
        // eighth of the standalone's default heap). 16 MiB maps ~600,000 keys per cleaning pass,
        // far more than the cache keeps; a larger compacted log is cleaned in several passes.
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        Map<String, String> users = new java.util.HashMap<>(scramUsers);
        if (!scramUsers.isEmpty()) {
            users.put(BROKER_USER, Uuid.randomUuid().toString());
            String client = "SASL_PLAINTEXT://" + HOST + ":" + clientPort;
            props.put("listeners", client + ",CONTROLLER://" + HOST + ":" + controllerPort);
            props.put("advertised.listeners", client);
            props.put("inter.broker.listener.name", "SASL_PLAINTEXT");
            props.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("sasl.enabled.mechanisms", SCRAM);
            props.put("sasl.mechanism.inter.broker.protocol", SCRAM);
            props.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                    jaasConfig(BROKER_USER, users.get(BROKER_USER)));
        }
        props.putAll(overrides);
        KafkaConfig config = new KafkaConfig(props, false);
        format(config, logDir, users);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        log.info("Embedded Kafka broker (KRaft) listening on {}:{}, data in {}", HOST, clientPort, logDir.toAbsolutePath());
        return new EmbeddedKafkaBroker(server, clientPort);
    }

    /** The {@code sasl.jaas.config} value a client of a secured broker uses. */
    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /** Formats the log directory on first use; an already formatted one is left as it is. */
    private static void format(KafkaConfig config, Path logDir, Map<String, String> scramUsers) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
                    .setDirectories(Set.of(logDir.toAbsolutePath().toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    // SCRAM credentials of a secured broker are part of its initial metadata.
                    .setScramArguments(scramUsers.entrySet().stream()
                            .map(u -> SCRAM + "=[name=" + u.getKey() + ",password=" + u.getValue() + "]")
                            .toList())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format the Kafka log directory " + logDir, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + HOST, e);
        }
    }
}
