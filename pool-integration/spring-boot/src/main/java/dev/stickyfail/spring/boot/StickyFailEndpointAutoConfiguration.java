package dev.stickyfail.spring.boot;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code stickyfail} actuator endpoint, when exposed ({@code management.endpoints.web.exposure.include}); its
 * write operations only with {@code management.endpoint.stickyfail.access=unrestricted}.
 */
@AutoConfiguration
@ConditionalOnStickyFailUrl
@ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
        "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
public class StickyFailEndpointAutoConfiguration {

    /** Nested, so that the actuator annotations are read only once their module is known to be there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(StickyFailEndpoint.class)
    static class Exposed {

        @Bean
        @ConditionalOnMissingBean
        StickyFailEndpoint stickyFailEndpoint() {
            return new StickyFailEndpoint();
        }
    }
}
