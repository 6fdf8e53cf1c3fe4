/**
 * A real Galera cluster on 127.0.0.1 for tests: {@link dev.stickyfail.testkit.galera.GaleraCluster} (start, nodes,
 * host list), {@link dev.stickyfail.testkit.galera.GaleraNode} (kill, freeze, thaw, restart, desync, donateTo,
 * isolate, heal, status) and {@link dev.stickyfail.testkit.galera.GaleraEnvironment} (what must be installed, and a
 * JUnit assumption that skips a test with that message where it is missing).
 */
package dev.stickyfail.testkit.galera;
