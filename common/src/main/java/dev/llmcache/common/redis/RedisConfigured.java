package dev.llmcache.common.redis;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code llmcache.redis.url} ({@code REDIS_URL}) is set: the Redis edge tier is on. */
public final class RedisConfigured implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String url = context.getEnvironment().getProperty("llmcache.redis.url");
        return url != null && !url.isBlank();
    }
}
