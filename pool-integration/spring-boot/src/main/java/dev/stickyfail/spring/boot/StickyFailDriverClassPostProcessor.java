package dev.stickyfail.spring.boot;

import dev.stickyfail.StickyFailDriver;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;

/**
 * The second half of {@link StickyFailEnvironmentPostProcessor}: names the driver class on Boot's
 * {@link DataSourceProperties} when the URL came from a property source added after the environment was prepared
 * (a test's {@code @DynamicPropertySource}, an {@code ApplicationContextInitializer}).
 */
class StickyFailDriverClassPostProcessor implements BeanPostProcessor {

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof DataSourceProperties properties && properties.getDriverClassName() == null
                && OnStickyFailUrlCondition.isStickyFailUrl(properties.getUrl())) {
            properties.setDriverClassName(StickyFailDriver.class.getName());
        }
        return bean;
    }
}
