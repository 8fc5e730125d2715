package dev.llmcache.common.kafka;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health component {@code kafka}: UP when the cluster answers a describe-cluster request within
 * 3 s. Spring Boot runs blocking indicators off the event loop.
 */
public final class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private final Map<String, Object> adminConfig;
    private final String bootstrapServers;
    private volatile Admin admin;

    public KafkaHealthIndicator(Map<String, Object> adminConfig, String bootstrapServers) {
        super("Kafka is unreachable");
        this.adminConfig = adminConfig;
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Collection<Node> nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                .nodes().get(3, TimeUnit.SECONDS);
        builder.up().withDetail("bootstrapServers", bootstrapServers).withDetail("brokers", nodes.size());
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(adminConfig);
                }
            }
        }
        return admin;
    }

    @Override
    public void destroy() {
        if (admin != null) {
            admin.close();
        }
    }
}
