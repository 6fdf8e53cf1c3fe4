package dev.stickyfail.samples.demo;

import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.sql.SQLException;
import java.util.List;

/**
 * The application side of the demo: the pools the writers use and what the driver reports. One implementation
 * today ({@link HikariPoolClients}: one HikariCP pool over {@code jdbc:stickyfail:}); several application
 * instances sharing one decision, or a Spring Boot application, are further implementations behind a demo option.
 */
interface DemoClients {

    /** What the narration calls it, e.g. "HikariCP + jdbc:stickyfail:". */
    String description();

    /** The URL the application uses, for the narration. */
    String url();

    /**
     * Opens the clients for {@code scenario} (its topology's host list), registering the driver's events on the
     * scenario's timeline. Their resources are closed by the scenario.
     */
    List<WorkloadClient> open(FailoverScenario scenario) throws SQLException;

    /** For the progress line: the active server and the epoch, e.g. "db1 (epoch 2)". */
    String status();
}
