package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several instances fence the same server at the same moment, under the same account, and each kills the others'
 * fencing sessions. A statement waiting there on a lock must still be killed, and no fence may call itself complete
 * unless a session of its own saw the sessions gone (found by the three-instance lock-wait scenario: the UPDATE
 * committed on the old server in 1 of 8 runs while every fence said "complete").
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConcurrentServerFenceTest {

    private static final int FENCES = 3;
    private static final int ROUNDS = 15;

    private final ServerGroup group;
    private final AppSessions sessions;

    ConcurrentServerFenceTest(ServerGroup group) {
        this.group = group;
        this.sessions = new AppSessions(group);
    }

    @Test
    void threeFencesAtOnceStillKillTheStatementWaitingOnALock() throws Exception {
        ServerAddress db0 = new ServerAddress("127.0.0.1", group.server(0).port());
        try (Connection root = group.adminConnection(0); Statement st = root.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + group.database() + ".fence_race (id INT PRIMARY KEY, v INT)");
            st.execute("REPLACE INTO " + group.database() + ".fence_race VALUES (1, 0)");
        }
        for (int round = 0; round < ROUNDS; round++) {
            try (Connection locker = group.adminConnection(0); Statement lock = locker.createStatement()) {
                locker.setAutoCommit(false);
                lock.executeQuery("SELECT v FROM " + group.database() + ".fence_race WHERE id = 1 FOR UPDATE").close();
                Connection app = sessions.open();
                int value = round + 1;
                CompletableFuture<Void> update = CompletableFuture.runAsync(() -> {
                    try (Statement s = app.createStatement()) {
                        s.executeUpdate("UPDATE fence_race SET v = " + value + " WHERE id = 1");
                    } catch (SQLException e) {
                        // killed: what the fence is for
                    }
                });
                await().atMost(Duration.ofSeconds(10)).until(() -> sessions.running(locker, "UPDATE fence_race"));

                List<ServerFence> fences = new ArrayList<>();
                for (int i = 0; i < FENCES; i++) {
                    ServerFence f = new ServerFence("race", new ServerAddress[] {db0}, Duration.ofSeconds(2),
                            Duration.ofSeconds(2), null);
                    f.remember(sessions.account());
                    fences.add(f);
                }
                CyclicBarrier together = new CyclicBarrier(FENCES);
                List<CompletableFuture<ServerFenceOutcome>> outcomes = new ArrayList<>();
                for (ServerFence f : fences) {
                    outcomes.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            together.await(10, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return f.fence(0, false, false);
                    }));
                }
                List<ServerFenceOutcome> done = new ArrayList<>();
                for (CompletableFuture<ServerFenceOutcome> o : outcomes) {
                    done.add(o.get(30, TimeUnit.SECONDS));
                }
                boolean anyComplete = done.stream().anyMatch(ServerFenceOutcome::complete);
                locker.rollback(); // the lock goes only now
                locker.setAutoCommit(true);
                update.get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> !sessions.running(locker, "UPDATE fence_race"));
                int v;
                try (ResultSet rs = lock.executeQuery("SELECT v FROM " + group.database() + ".fence_race WHERE id = 1")) {
                    rs.next();
                    v = rs.getInt(1);
                }
                assertThat(anyComplete).as("round %d: some fence saw the sessions gone: %s", round, done).isTrue();
                assertThat(v).as("round %d: the UPDATE waiting on the lock did not commit (fences: %s)", round, done)
                        .isNotEqualTo(value);
                app.close();
            }
        }
    }
}
