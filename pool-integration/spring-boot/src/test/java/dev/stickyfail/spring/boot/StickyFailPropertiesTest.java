package dev.stickyfail.spring.boot;

import dev.stickyfail.config.StickyFailProperty;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.InputStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The typed properties cover every driver property, with IDE metadata, and reach the driver in its own form. */
class StickyFailPropertiesTest {

    @Test
    void everyDriverPropertyHasATypedPropertyWithMetadata() throws Exception {
        Set<String> documented = new HashSet<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            JsonNode metadata = JsonMapper.builder().build().readTree(in);
            for (JsonNode p : metadata.get("properties")) {
                documented.add(p.get("name").asString());
                if (p.get("name").asString().startsWith("stickyfail.")) {
                    assertThat(p.has("description")).as(p.get("name") + " has help text").isTrue();
                }
            }
        }
        for (StickyFailProperty p : StickyFailProperty.values()) {
            String kebab = p.key().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            assertThat(documented).as("typed property for " + p.key()).contains(kebab);
        }
    }

    @Test
    void boundValuesReachTheDriverInItsOwnFormAndTheSecretIsMaskedInToString() {
        Map<String, String> source = Map.of("stickyfail.check-interval", "1500ms", "stickyfail.failover-timeout", "2m",
                "stickyfail.rise", "4", "stickyfail.observe", "false", "stickyfail.state-file", "/var/lib/app/sf.state",
                "stickyfail.check-password", "s3cret", "stickyfail.hazelcast.client-config", "/etc/app/client.yaml",
                "stickyfail.hazelcast.start-timeout", "90s", "stickyfail.hazelcast.allow-unsafe-mode", "false");
        StickyFailProperties bound = new Binder(new MapConfigurationPropertySource(source))
                .bind("stickyfail", StickyFailProperties.class).get();

        assertThat(bound.toDriverProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "stickyfail.checkInterval", "1500ms", "stickyfail.failoverTimeout", "2m", "stickyfail.rise", "4",
                "stickyfail.observe", "false", "stickyfail.stateFile", "/var/lib/app/sf.state",
                "stickyfail.checkPassword", "s3cret", "stickyfail.hazelcast.clientConfig", "/etc/app/client.yaml",
                "stickyfail.hazelcast.startTimeout", "90s", "stickyfail.hazelcast.allowUnsafeMode", "false"));
        for (String key : bound.toDriverProperties().keySet()) {
            if (!key.startsWith("stickyfail.hazelcast.")) {
                assertThat(StickyFailProperty.byKey(key)).as(key + " is a driver property").isNotNull();
            }
        }
        assertThat(bound.toString()).doesNotContain("s3cret").contains("stickyfail.checkPassword=****");
    }

    /** Environment variables bind in upper case without separators; the driver still gets its own keys. */
    @Test
    void hazelcastKeysFromEnvironmentVariablesReachTheDriverAsItsOwnKeys() {
        Map<String, Object> env = Map.of("STICKYFAIL_HAZELCAST_CLIENTCONFIG", "/etc/app/client.yaml",
                "STICKYFAIL_HAZELCAST_INSTANCENAME", "shared");
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
        StickyFailProperties bound = Binder.get(environment).bind("stickyfail", StickyFailProperties.class).get();

        assertThat(bound.toDriverProperties()).containsEntry("stickyfail.hazelcast.clientConfig", "/etc/app/client.yaml")
                .containsEntry("stickyfail.hazelcast.instanceName", "shared");
    }

    @Test
    void anUnknownKeyIsRefusedNotIgnored() {
        new ApplicationContextRunner().withUserConfiguration(Bound.class)
                .withPropertyValues("stickyfail.hazelcast.cleint-config=/etc/app/client.yaml")
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("stickyfail.hazelcast.cleint-config"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(StickyFailProperties.class)
    static class Bound {
    }
}
