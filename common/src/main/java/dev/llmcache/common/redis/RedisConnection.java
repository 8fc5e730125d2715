package dev.llmcache.common.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce connection to the configured Redis, made when first needed rather than at start:
 * the product starts and serves while Redis is down, and connects once it is up. Once made, the
 * connection reconnects by itself (Lettuce's auto-reconnect).
 */
public final class RedisConnection<K, V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    private final ClientResources resources;
    private final RedisClient client;
    private final Duration retryAfter;
    private final RedisCodec<K, V> codec;
    private volatile StatefulRedisConnection<K, V> connection;
    private volatile long nextAttemptAt;
    private volatile ScheduledExecutorService connector;

    /** A connection with keys and values as UTF-8 strings. */
    public static RedisConnection<String, String> strings(String url, Duration commandTimeout) {
        return new RedisConnection<>(url, commandTimeout, StringCodec.UTF8);
    }

    /** @param commandTimeout longest a command may take before it fails */
    public RedisConnection(String url, Duration commandTimeout, RedisCodec<K, V> codec) {
        this.codec = codec;
        RedisURI uri = RedisURI.create(url);
        // The handshake (HELLO, AUTH) may take longer than a lookup may: commands get theirs below.
        uri.setTimeout(commandTimeout.compareTo(HANDSHAKE_TIMEOUT) > 0 ? commandTimeout : HANDSHAKE_TIMEOUT);
        // Reconnects at most a second apart (Lettuce's default backs off to 30 s): Redis back is
        // Redis used again within a second or two.
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(HANDSHAKE_TIMEOUT).build())
                // While disconnected, commands fail at once instead of queueing up for the reconnect.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        this.retryAfter = Duration.ofSeconds(2);
    }

    /**
     * The connection, connecting first if there is none (at most one attempt every two seconds);
     * null while Redis cannot be reached. Connecting blocks: call it off event loops, or through
     * {@link #current()} on them.
     */
    public synchronized StatefulRedisConnection<K, V> connected() {
        if (connection == null && System.currentTimeMillis() >= nextAttemptAt) {
            try {
                connection = client.connect(codec);
                log.info("Connected to Redis");
            } catch (RuntimeException e) {
                nextAttemptAt = System.currentTimeMillis() + retryAfter.toMillis();
                log.warn("Cannot connect to Redis ({}); trying again in {} s", e.getMessage(), retryAfter.toSeconds());
            }
        }
        return connection;
    }

    /** The connection if it is made; null otherwise (never blocks). */
    public StatefulRedisConnection<K, V> current() {
        return connection;
    }

    /**
     * Connects on a thread of its own, trying again every two seconds until the first connection
     * is made (afterwards Lettuce reconnects by itself): for users that only ever call
     * {@link #current()} from event loops.
     */
    public synchronized RedisConnection<K, V> connectInBackground() {
        if (connector == null) {
            connector = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "redis-connector");
                thread.setDaemon(true);
                return thread;
            });
            connector.scheduleWithFixedDelay(() -> {
                if (connection == null) {
                    connected();
                } else {
                    connector.shutdown();
                }
            }, 0, 2, TimeUnit.SECONDS);
        }
        return this;
    }

    @Override
    public void close() {
        if (connector != null) {
            connector.shutdownNow();
        }
        if (connection != null) {
            connection.close();
        }
        client.shutdown();
        resources.shutdown();
    }
}
