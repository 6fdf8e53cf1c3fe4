package dev.stickyfail.spring.boot;

import org.springframework.context.annotation.Conditional;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Only when {@code spring.datasource.url} starts with {@code jdbc:stickyfail:}. */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnStickyFailUrlCondition.class)
public @interface ConditionalOnStickyFailUrl {
}
