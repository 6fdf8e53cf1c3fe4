package dev.stickyfail.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import dev.stickyfail.StickyFailDriver;
import dev.stickyfail.hikari.StickyFailExceptionOverride;
import dev.stickyfail.micrometer.StickyFailMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.support.TestPropertySourceUtils;

import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every condition and back-off of the auto-configuration, without servers (no pool is started). */
class StickyFailAutoConfigurationTest {

    private static final String URL = "spring.datasource.url=jdbc:stickyfail:mysql://db0:3306,db1:3306/app";
    private static final AutoConfigurations ALL = AutoConfigurations.of(DataSourceAutoConfiguration.class,
            StickyFailAutoConfiguration.class, StickyFailMetricsAutoConfiguration.class,
            HealthContributorAutoConfiguration.class, StickyFailHealthAutoConfiguration.class,
            EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class, StickyFailEndpointAutoConfiguration.class);

    /** As a Spring Boot application runs it: the environment post-processor first. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(StickyFailAutoConfigurationTest::postProcessEnvironment)
            .withConfiguration(ALL);

    private static void postProcessEnvironment(ConfigurableApplicationContext context) {
        new StickyFailEnvironmentPostProcessor().postProcessEnvironment(context.getEnvironment(), new SpringApplication());
    }

    @Test
    void aStickyfailUrlNeedsNoDriverClassNameAndGetsTheHikariIntegrationPropertiesAndOverride() {
        runner.withPropertyValues(URL, "stickyfail.fall=2", "stickyfail.check-interval=250ms", "stickyfail.checkPassword=s3cret",
                        "stickyfail.failover-timeout=45s")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(StickyFailHikariPostProcessor.class)
                            .hasSingleBean(StickyFailProperties.class);
                    HikariDataSource pool = context.getBean(HikariDataSource.class);
                    assertThat(pool.getDriverClassName()).isEqualTo(StickyFailDriver.class.getName());
                    assertThat(pool.getHikariPoolMXBean()).as("the pool is not started by the integration").isNull();
                    assertThat(pool.getDataSourceProperties()).containsEntry("stickyfail.fall", "2")
                            .containsEntry("stickyfail.checkInterval", "250ms")
                            .containsEntry("stickyfail.checkPassword", "s3cret")
                            .containsEntry("stickyfail.failoverTimeout", "45s")
                            .doesNotContainKey("stickyfail.group");
                    assertThat(pool.getExceptionOverrideClassName()).isEqualTo(StickyFailExceptionOverride.class.getName());
                    assertThat(pool.getPoolName()).as("no name anywhere: the pool takes the group's default name")
                            .isEqualTo("db0:3306,db1:3306");
                    assertThat(context.getBean(StickyFailProperties.class).toString()).doesNotContain("s3cret");
                });
    }

    /** stickyfail-hazelcast is not on this module's class path, as in an application that forgot it. */
    @Test
    void aSharedStoreWhoseArtifactIsMissingStopsTheApplicationAtStartNamingTheArtifact() {
        runner.withPropertyValues(URL, "stickyfail.store=hazelcast", "stickyfail.hazelcast.config=/etc/app/member.yaml")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable root = context.getStartupFailure();
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    assertThat(root).hasMessage("stickyfail.store=hazelcast needs the artifact dev.stickyfail:stickyfail-hazelcast"
                            + " on the class path (beside stickyfail-spring-boot-starter), and it is not there");
                });
    }

    @Test
    void thePoolNameBecomesTheGroupAndAGroupNamesAnUnnamedPool() {
        runner.withPropertyValues(URL, "spring.datasource.name=orders").run(context -> {
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(pool.getPoolName()).isEqualTo("orders");
            assertThat(pool.getDataSourceProperties()).containsEntry("stickyfail.group", "orders");
        });
        runner.withPropertyValues(URL, "stickyfail.group=billing").run(context -> {
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(pool.getPoolName()).isEqualTo("billing");
            assertThat(pool.getDataSourceProperties()).containsEntry("stickyfail.group", "billing");
        });
        runner.withPropertyValues(URL, "spring.datasource.hikari.register-mbeans=true").run(context ->
                assertThat(context.getBean(HikariDataSource.class).getPoolName()).isEqualTo("db0_3306,db1_3306"));
    }

    @Test
    void whatTheUrlOrTheApplicationSetsWins() {
        runner.withPropertyValues(URL + "?stickyfail.fall=5&stickyfail.group=url-group", "stickyfail.fall=2",
                        "spring.datasource.name=orders", "spring.datasource.driver-class-name=" + StickyFailDriver.class.getName(),
                        "spring.datasource.hikari.exception-override-class-name=" + KeepEverything.class.getName())
                .run(context -> {
                    HikariDataSource pool = context.getBean(HikariDataSource.class);
                    assertThat(pool.getDataSourceProperties()).doesNotContainKeys("stickyfail.fall", "stickyfail.group");
                    assertThat(pool.getPoolName()).isEqualTo("orders");
                    assertThat(pool.getExceptionOverrideClassName()).isEqualTo(KeepEverything.class.getName());
                });
    }

    @Test
    void aBadStickyfailSettingStopsTheApplicationWithAMessageNamingIt() {
        runner.withPropertyValues(URL + "?stickyfail.fal=2&password=hunter2").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("stickyfail.fal").hasMessageNotContaining("hunter2"));
        runner.withPropertyValues(URL, "stickyfail.fall=three").run(context ->
                assertThat(context).hasFailed().getFailure().hasMessageContaining("stickyfail"));
    }

    @Test
    void theEnvironmentPostProcessorNamesTheDriverOnlyForAStickyfailUrlWithoutADriver() {
        assertThat(driverAfterPostProcessing(URL)).isEqualTo(StickyFailDriver.class.getName());
        assertThat(driverAfterPostProcessing("spring.datasource.url=JDBC:STICKYFAIL:mysql://db0,db1/app"))
                .isEqualTo(StickyFailDriver.class.getName());
        assertThat(driverAfterPostProcessing(URL, "spring.datasource.driver-class-name=com.example.Wrapper"))
                .isEqualTo("com.example.Wrapper");
        assertThat(driverAfterPostProcessing("spring.datasource.url=jdbc:mysql://db0/app")).isNull();
        assertThat(driverAfterPostProcessing()).isNull();
    }

    @Test
    void aUrlThatReachesOnlyTheContextStillGetsTheDriverClass() {
        new ApplicationContextRunner().withConfiguration(ALL).withPropertyValues(URL).run(context ->
                assertThat(context.getBean(HikariDataSource.class).getDriverClassName())
                        .isEqualTo(StickyFailDriver.class.getName()));
    }

    private static String driverAfterPostProcessing(String... properties) {
        StandardEnvironment environment = new StandardEnvironment();
        TestPropertySourceUtils.addInlinedPropertiesToEnvironment(environment, properties);
        new StickyFailEnvironmentPostProcessor().postProcessEnvironment(environment, new SpringApplication());
        return environment.getProperty("spring.datasource.driver-class-name");
    }

    @Test
    void anyOtherUrlOrNoUrlLeavesEverythingAlone() {
        runner.withPropertyValues("spring.datasource.url=jdbc:mysql://db0/app").withBean(SimpleMeterRegistry.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(StickyFailHikariPostProcessor.class)
                            .doesNotHaveBean(StickyFailProperties.class).doesNotHaveBean(StickyFailMetrics.class)
                            .doesNotHaveBean(StickyFailHealthIndicator.class).doesNotHaveBean(StickyFailEndpoint.class);
                    HikariDataSource pool = context.getBean(HikariDataSource.class);
                    assertThat(pool.getExceptionOverrideClassName()).isNull();
                    assertThat(pool.getDataSourceProperties()).isEmpty();
                });
        new ApplicationContextRunner().withInitializer(StickyFailAutoConfigurationTest::postProcessEnvironment)
                .withConfiguration(AutoConfigurations.of(StickyFailAutoConfiguration.class,
                        HealthContributorAutoConfiguration.class, StickyFailHealthAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StickyFailProperties.class)
                        .doesNotHaveBean(StickyFailHealthIndicator.class));
    }

    /** An application's own override, which the starter keeps. */
    public static class KeepEverything implements SQLExceptionOverride {
        @java.lang.Override
        public Override adjudicate(java.sql.SQLException e) {
            return Override.DO_NOT_EVICT;
        }
    }

    @Test
    void theMetricsBinderNeedsAMeterRegistry() {
        runner.withPropertyValues(URL).withBean(SimpleMeterRegistry.class)
                .run(context -> assertThat(context).hasSingleBean(StickyFailMetrics.class));
        runner.withPropertyValues(URL).run(context -> assertThat(context).doesNotHaveBean(StickyFailMetrics.class));
    }

    @Test
    void withoutMicrometerOnTheClassPathThereAreNoMetricsAndTheRestWorks() {
        runner.withPropertyValues(URL).withClassLoader(new FilteredClassLoader("io.micrometer"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StickyFailMetrics.class)
                        .hasSingleBean(StickyFailHikariPostProcessor.class).hasBean("stickyfailHealthIndicator"));
    }

    @Test
    void withoutHikariOnTheClassPathThereIsNoPoolIntegrationAndTheRestWorks() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(StickyFailAutoConfiguration.class,
                        HealthContributorAutoConfiguration.class, StickyFailHealthAutoConfiguration.class))
                .withPropertyValues(URL, "stickyfail.fall=2")
                .withClassLoader(new FilteredClassLoader(HikariDataSource.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StickyFailHikariPostProcessor.class)
                        .hasSingleBean(StickyFailProperties.class).hasBean("stickyfailHealthIndicator"));
    }

    @Test
    void withoutActuatorOnTheClassPathThereIsNoHealthIndicatorAndNoEndpoint() {
        new ApplicationContextRunner().withInitializer(StickyFailAutoConfigurationTest::postProcessEnvironment)
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, StickyFailAutoConfiguration.class,
                        StickyFailHealthAutoConfiguration.class, StickyFailEndpointAutoConfiguration.class))
                .withPropertyValues(URL, "management.endpoints.web.exposure.include=stickyfail")
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "org.springframework.boot.actuate"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StickyFailHealthIndicator.class)
                        .doesNotHaveBean(StickyFailEndpoint.class).hasSingleBean(StickyFailHikariPostProcessor.class)
                        .hasSingleBean(DataSource.class));
    }

    @Test
    void theHealthIndicatorIsNamedStickyfailAndCanBeSwitchedOff() {
        runner.withPropertyValues(URL).run(context -> assertThat(context).hasBean("stickyfailHealthIndicator"));
        runner.withPropertyValues(URL, "management.health.stickyfail.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(StickyFailHealthIndicator.class));
    }

    @Test
    void theEndpointExistsOnlyWhenExposed() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withInitializer(StickyFailAutoConfigurationTest::postProcessEnvironment).withConfiguration(ALL);
        web.withPropertyValues(URL, "management.endpoints.web.exposure.include=health,stickyfail")
                .run(context -> assertThat(context).hasSingleBean(StickyFailEndpoint.class));
        web.withPropertyValues(URL).run(context -> assertThat(context).doesNotHaveBean(StickyFailEndpoint.class));
        web.withPropertyValues(URL, "management.endpoints.web.exposure.include=stickyfail",
                        "management.endpoint.stickyfail.access=NONE") // a bare runner has no lenient enum conversion
                .run(context -> assertThat(context).doesNotHaveBean(StickyFailEndpoint.class));
    }

}
