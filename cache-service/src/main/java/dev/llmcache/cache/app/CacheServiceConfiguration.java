package dev.llmcache.cache.app;

import dev.llmcache.cache.analytics.AnalyticsQueries;
import dev.llmcache.cache.analytics.AnalyticsTopology;
import dev.llmcache.cache.api.AggregatesHandler;
import dev.llmcache.cache.api.StatsHandler;
import dev.llmcache.cache.dashboard.AggregatesFeed;
import dev.llmcache.cache.dashboard.DashboardHandler;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.KafkaConfiguration;
import dev.llmcache.common.metrics.ObservabilityConventions;
import dev.llmcache.common.streams.SupervisedStreams;
import dev.llmcache.common.topic.KafkaSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.StreamsBuilder;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Spring wiring of the cache-service: analytics, the stats and aggregates API, the dashboard. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "llmcache.analytics.enabled", matchIfMissing = true)
@Import({ObservabilityConventions.class, KafkaConfiguration.class})
@EnableConfigurationProperties({KafkaSettings.class, AnalyticsProperties.class})
public class CacheServiceConfiguration {

    /** The analytics' Kafka Streams application, run by spring-kafka. */
    @Bean
    StreamsBuilderFactoryBean analyticsTopology(KafkaClients clients, KafkaSettings kafka,
                                                AnalyticsProperties properties) {
        return SupervisedStreams.factory(AnalyticsStreams.streamsConfig(clients, kafka, properties),
                new KafkaStreamsInfrastructureCustomizer() {
                    @Override
                    public void configureBuilder(StreamsBuilder builder) {
                        AnalyticsTopology.define(builder, kafka.topics(), properties.window(), properties.grace(),
                                properties.combineInterval());
                    }
                });
    }

    /** Health component {@code analyticsStreams}. */
    @Bean
    AnalyticsStreams analyticsStreams(BeanFactory beans, MeterRegistry meters) {
        return new AnalyticsStreams(beans.getBean("&analyticsTopology", StreamsBuilderFactoryBean.class), meters);
    }

    @Bean
    AnalyticsQueries analyticsQueries(AnalyticsStreams streams) {
        return new AnalyticsQueries(streams::store);
    }

    @Bean
    AggregatesFeed aggregatesFeed(KafkaClients clients, KafkaSettings kafka) {
        return new AggregatesFeed(clients, kafka.topics().metricsAggregates());
    }

    @Bean
    RouterFunction<ServerResponse> cacheServiceRoutes(AnalyticsQueries queries, AnalyticsProperties properties,
                                                      AggregatesFeed feed) {
        StatsHandler stats = new StatsHandler(queries, properties.window(), properties.capacityEntries());
        AggregatesHandler aggregates = new AggregatesHandler(queries, properties.window());
        DashboardHandler dashboard = new DashboardHandler(feed);
        return RouterFunctions.route()
                .GET("/cache/stats", stats::handle)
                .GET("/metrics/aggregates", aggregates::handle)
                .GET("/dashboard", dashboard::page)
                .GET("/dashboard/stream", dashboard::stream)
                .build();
    }
}
