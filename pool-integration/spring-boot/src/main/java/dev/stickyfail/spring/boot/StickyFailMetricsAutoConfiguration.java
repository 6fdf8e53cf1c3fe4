package dev.stickyfail.spring.boot;

import dev.stickyfail.micrometer.StickyFailMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code stickyfail.*} meters, bound to the application's registry (Boot binds every {@code MeterBinder} bean). */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnStickyFailUrl
@ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry", "dev.stickyfail.micrometer.StickyFailMetrics"})
public class StickyFailMetricsAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(MeterRegistry.class)
    static class Binder {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        StickyFailMetrics stickyFailMetrics() {
            return new StickyFailMetrics();
        }
    }
}
