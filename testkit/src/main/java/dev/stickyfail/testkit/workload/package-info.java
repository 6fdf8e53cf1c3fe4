/**
 * A failover workload shared by the demo, the failover benchmark and their tests: writer threads at a fixed rate
 * through any {@link javax.sql.DataSource}, a fault on the primary, and an audit of what the servers really took.
 *
 * <ul>
 *   <li>{@link dev.stickyfail.testkit.workload.Topology}: the servers as clients see them (directly, or through one
 *   {@link dev.stickyfail.testkit.FaultProxy} per server when the fault is a network one), with labels
 *   {@code db0}, {@code db1}, ...;</li>
 *   <li>{@link dev.stickyfail.testkit.workload.Fault}: kill, freeze or blackhole of one server, and its healing;</li>
 *   <li>{@link dev.stickyfail.testkit.workload.Workload}: the writers; each operation borrows a connection,
 *   inserts one row ({@code @@server_id} and the server's {@code NOW(6)} stored in it) and records its start, end,
 *   outcome (success or SQLState) and the server that took it;</li>
 *   <li>{@link dev.stickyfail.testkit.workload.FailoverScenario}: before, fault, outage, healing, after; then
 *   replication caught up and healthy, and the {@link dev.stickyfail.testkit.workload.Audit} of the rows read back
 *   from every server (server-side timestamps): writes on the old server after the first write on the new one,
 *   failed operations that committed anyway, acknowledged writes that are missing;</li>
 *   <li>{@link dev.stickyfail.testkit.workload.ScenarioResult}: the numbers, and the per-bucket series a chart
 *   needs.</li>
 * </ul>
 *
 * <p>Nothing here knows stickyfail: the same run drives {@code jdbc:stickyfail:} and Connector/J's own multi-host
 * URL, so comparisons are measured. What only a driver knows (stickyfail's switch, a server marked up) reaches the
 * run's {@link dev.stickyfail.testkit.workload.Timeline} from the caller, through its listeners. Several clients
 * ({@link dev.stickyfail.testkit.workload.WorkloadClient}: one pool each, e.g. several application instances) can
 * share one run; writers are spread over them.
 */
package dev.stickyfail.testkit.workload;
