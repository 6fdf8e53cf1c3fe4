package dev.stickyfail.testkit.workload;

import javax.sql.DataSource;
import java.util.Objects;

/**
 * One client of a run: usually a connection pool, i.e. one application instance. {@code resources} is closed when
 * the run's writers have stopped (the pool, the driver's DataSource, ...); closing a pool also aborts connections
 * whose writers are still blocked.
 *
 * @param name       for reports, e.g. {@code stickyfail} or {@code app-1}
 * @param dataSource where the writers get their connections
 * @param resources  closed after the writers stopped; may be {@code null}
 */
public record WorkloadClient(String name, DataSource dataSource, AutoCloseable resources) {

    public WorkloadClient {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataSource, "dataSource");
    }
}
