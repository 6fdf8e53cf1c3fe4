package dev.stickyfail.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code stickyfail} health contributor; off with {@code management.health.stickyfail.enabled=false}. */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnStickyFailUrl
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
public class StickyFailHealthAutoConfiguration {

    /** Nested, so that the health annotations are read only once their module is known to be there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("stickyfail")
    static class Indicator {

        @Bean
        @ConditionalOnMissingBean(name = "stickyfailHealthIndicator")
        StickyFailHealthIndicator stickyfailHealthIndicator() {
            return new StickyFailHealthIndicator();
        }
    }
}
