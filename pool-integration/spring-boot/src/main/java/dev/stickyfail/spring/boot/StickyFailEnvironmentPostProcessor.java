package dev.stickyfail.spring.boot;

import dev.stickyfail.StickyFailDriver;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

/**
 * Names stickyfail's driver class when {@code spring.datasource.url} starts with {@code jdbc:stickyfail:} and no
 * {@code spring.datasource.driver-class-name} is set: Spring Boot finds a driver class from the URL only for the
 * databases it knows, and without this fails to start ("Failed to determine a suitable driver class") or picks an
 * embedded database's driver that rejects the URL. Added as the environment's last source, so anything the
 * application sets wins.
 */
public class StickyFailEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String DRIVER_CLASS_PROPERTY = "spring.datasource.driver-class-name";
    static final String SOURCE_NAME = "stickyfail-driver-class";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (OnStickyFailUrlCondition.isStickyFailUrl(environment.getProperty(OnStickyFailUrlCondition.URL_PROPERTY))
                && !environment.containsProperty(DRIVER_CLASS_PROPERTY)) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME,
                    Map.of(DRIVER_CLASS_PROPERTY, StickyFailDriver.class.getName())));
        }
    }

    /** After the application's configuration files are loaded. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
