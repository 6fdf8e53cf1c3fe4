package dev.stickyfail.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code spring.datasource.url} starts with {@code jdbc:stickyfail:} ({@code @ConditionalOnProperty}
 * can only match a whole value).
 */
class OnStickyFailUrlCondition extends SpringBootCondition {

    static final String URL_PROPERTY = "spring.datasource.url";
    static final String PREFIX = "jdbc:stickyfail:";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String url = context.getEnvironment().getProperty(URL_PROPERTY);
        if (isStickyFailUrl(url)) {
            return ConditionOutcome.match(URL_PROPERTY + " starts with " + PREFIX);
        }
        return ConditionOutcome.noMatch(url == null ? URL_PROPERTY + " is not set"
                : URL_PROPERTY + " does not start with " + PREFIX);
    }

    static boolean isStickyFailUrl(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }
}
