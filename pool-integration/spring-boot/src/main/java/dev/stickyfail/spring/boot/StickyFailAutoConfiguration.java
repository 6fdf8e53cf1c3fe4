package dev.stickyfail.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * stickyfail for a Spring Boot application whose {@code spring.datasource.url} starts with {@code jdbc:stickyfail:}:
 * the typed {@code stickyfail.*} properties, the driver class (also set by {@link StickyFailEnvironmentPostProcessor},
 * for code that reads the environment before the context) and, with HikariCP, the pool integration. Metrics, health
 * and the endpoint have their own auto-configurations.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnStickyFailUrl
@EnableConfigurationProperties(StickyFailProperties.class)
public class StickyFailAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.jdbc.autoconfigure.DataSourceProperties")
    static class DriverClass {

        @Bean
        static StickyFailDriverClassPostProcessor stickyFailDriverClassPostProcessor() {
            return new StickyFailDriverClassPostProcessor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"com.zaxxer.hikari.HikariDataSource", "dev.stickyfail.hikari.StickyFailHikari"})
    static class HikariIntegration {

        /** Static: a post-processor must not make its configuration class an early bean. */
        @Bean
        static StickyFailHikariPostProcessor stickyFailHikariPostProcessor(ObjectProvider<StickyFailProperties> properties) {
            return new StickyFailHikariPostProcessor(properties);
        }
    }
}
