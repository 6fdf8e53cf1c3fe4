package dev.stickyfail.testkit;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension behind {@link MariaDbGroupTest}.
 *
 * <h2>What it injects</h2>
 * Into the test class's constructor, {@code @BeforeAll}, {@code @BeforeEach}, {@code @AfterEach},
 * {@code @AfterAll} and test methods:
 * <ul>
 *   <li>{@link ServerGroup}: the class's group;</li>
 *   <li>{@link ProxiedGroup} and {@code List<FaultProxy>} (only with {@code proxies = true}): one
 *   {@link FaultProxy} in front of each server, in index order, with {@link ProxiedGroup#hostList()} going through
 *   the proxies. The proxies belong to the class: created pass-through before it, closed after it.</li>
 * </ul>
 *
 * <h2>Flavour</h2>
 * A class runs on the flavour its annotation names ({@code flavour = Flavour.MYSQL8}), else on the one
 * {@value Flavour#PROPERTY} names, else on MariaDB.
 *
 * <h2>Sharing and healing</h2>
 * By default one group per size and flavour is shared by every annotated class of the JVM: it is started by the first
 * class that needs it, kept in the root {@link ExtensionContext.Store} and closed when the test run ends. Before each
 * further class it is {@link ServerGroup#heal(Duration) healed} (frozen servers thawed, dead ones restarted,
 * replication running and caught up); if healing fails (e.g. a class left a replication conflict) the group is
 * replaced by a new one. Healing happens per class, not per test method: a class whose tests kill or freeze
 * servers should call {@code group.heal(...)} (or {@code proxied.heal(...)}) in its own {@code @BeforeEach} or
 * {@code @AfterEach}. Shared groups keep their data between classes: use table names of your own.
 *
 * <p>{@code fresh = true} gives the class its own group, started before the class and closed after it. A
 * {@code @Nested} class uses its enclosing class's group. Shared groups assume classes run one after the other
 * (JUnit's default); do not run classes that share a group in parallel.
 *
 * <h2>Cleanup</h2>
 * Groups are closed with their store; a JVM shutdown hook, a watchdog and the next run's sweep cover JVMs that
 * exit or die first (see {@link ServerGroup}).
 */
public final class MariaDbGroupExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbGroupExtension.class);
    private static final Namespace NAMESPACE = Namespace.create(MariaDbGroupExtension.class);
    private static final String HANDLE = "class-handle";
    /** How long healing a shared group may take before the group is replaced. */
    static final Duration HEAL_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public void beforeAll(ExtensionContext context) {
        handle(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == ServerGroup.class || type == ProxiedGroup.class || isListOfFaultProxy(parameterContext);
    }

    private static boolean isListOfFaultProxy(ParameterContext parameterContext) {
        if (parameterContext.getParameter().getType() != List.class) {
            return false;
        }
        Type generic = parameterContext.getParameter().getParameterizedType();
        return generic instanceof ParameterizedType
                && ((ParameterizedType) generic).getActualTypeArguments()[0] == FaultProxy.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ClassHandle handle = handle(extensionContext);
        Class<?> type = parameterContext.getParameter().getType();
        if (type == ServerGroup.class) {
            return handle.group;
        }
        if (handle.proxied == null) {
            throw new ParameterResolutionException("A " + parameterContext.getParameter().getParameterizedType()
                    + " parameter needs @MariaDbGroupTest(proxies = true) on " + handle.testClass.getName());
        }
        return type == ProxiedGroup.class ? handle.proxied : handle.proxied.proxies();
    }

    /** The class's group and proxies, created on first use (constructor parameters may come before beforeAll). */
    private static ClassHandle handle(ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        return classContext.getStore(NAMESPACE).computeIfAbsent(HANDLE, key -> createHandle(classContext),
                ClassHandle.class);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static ClassHandle createHandle(ExtensionContext classContext) {
        Class<?> testClass = classContext.getRequiredTestClass();
        // Registered with a bare @ExtendWith(MariaDbGroupExtension.class): the annotation's defaults.
        MariaDbGroupTest settings = findSettings(testClass).orElse(Defaults.SETTINGS);
        GroupOptions.Builder builder = GroupOptions.builder().size(settings.size());
        if (settings.flavour().length > 1) {
            throw new IllegalArgumentException("@MariaDbGroupTest(flavour = ...) names at most one flavour; "
                    + testClass.getName() + " names " + Arrays.toString(settings.flavour()));
        }
        if (settings.flavour().length == 1) {
            builder.flavour(settings.flavour()[0]);
        }
        GroupOptions options = builder.build();
        ServerGroup group;
        if (settings.fresh()) {
            group = ServerGroup.start(options);
            LOG.info("[{}] started for {} (fresh = true)", group.name(), testClass.getSimpleName());
        } else {
            String key = "shared-group-" + options.size() + "-" + options.backend() + "-" + options.flavour();
            SharedGroup shared = classContext.getRoot().getStore(NAMESPACE)
                    .computeIfAbsent(key, k -> new SharedGroup(options), SharedGroup.class);
            group = shared.acquire(testClass);
        }
        ProxiedGroup proxied = null;
        if (settings.proxies()) {
            try {
                proxied = ProxiedGroup.start(group);
            } catch (RuntimeException e) {
                if (settings.fresh()) {
                    group.close();
                }
                throw e;
            }
        }
        return new ClassHandle(testClass, group, settings.fresh(), proxied);
    }

    private static Optional<MariaDbGroupTest> findSettings(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            Optional<MariaDbGroupTest> found = AnnotationSupport.findAnnotation(c, MariaDbGroupTest.class);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    @MariaDbGroupTest
    private static final class Defaults {
        static final MariaDbGroupTest SETTINGS = Defaults.class.getAnnotation(MariaDbGroupTest.class);
    }

    /** A test class's group (owned when fresh) and proxies; closed with the class's store. */
    private static final class ClassHandle implements AutoCloseable {
        final Class<?> testClass;
        final ServerGroup group;
        final boolean ownsGroup;
        final ProxiedGroup proxied;

        ClassHandle(Class<?> testClass, ServerGroup group, boolean ownsGroup, ProxiedGroup proxied) {
            this.testClass = testClass;
            this.group = group;
            this.ownsGroup = ownsGroup;
            this.proxied = proxied;
        }

        @Override
        public void close() {
            if (proxied != null) {
                proxied.close();
            }
            if (ownsGroup) {
                group.close();
            }
        }
    }

    /** One group of a size, shared across classes, closed with the root store at the end of the run. */
    private static final class SharedGroup implements AutoCloseable {
        private final GroupOptions options;
        private ServerGroup group;

        SharedGroup(GroupOptions options) {
            this.options = options;
        }

        synchronized ServerGroup acquire(Class<?> testClass) {
            if (group == null || group.isClosed()) {
                group = ServerGroup.start(options);
                LOG.info("[{}] started, shared by every @MariaDbGroupTest(size = {}) class on {}; first: {}",
                        group.name(), options.size(), options.flavour().displayName(), testClass.getSimpleName());
                return group;
            }
            try {
                group.heal(HEAL_TIMEOUT);
            } catch (RuntimeException | AssertionError e) {
                LOG.warn("[{}] could not be healed for {}; replacing it with a new group. Reason: {}",
                        group.name(), testClass.getSimpleName(), e.getMessage());
                group.close();
                group = ServerGroup.start(options);
            }
            return group;
        }

        @Override
        public synchronized void close() {
            if (group != null) {
                group.close();
            }
        }
    }
}
