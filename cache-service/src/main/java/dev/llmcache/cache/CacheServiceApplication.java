package dev.llmcache.cache;

import dev.llmcache.cache.app.CacheAdminConfiguration;
import dev.llmcache.cache.app.CacheServiceConfiguration;
import dev.llmcache.cache.app.RedisReplicaConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The cache-service as its own deployable: needs {@code KAFKA_BOOTSTRAP_SERVERS}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({CacheServiceConfiguration.class, CacheAdminConfiguration.class, RedisReplicaConfiguration.class})
public class CacheServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(CacheServiceApplication.class, args);
    }
}
