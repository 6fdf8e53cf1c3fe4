package dev.stickyfail.internal.replication;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

class AcknowledgedCommitsTest {

    private static final String UUID_A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String UUID_B = "8a94f357-aab4-11df-86ab-c80aa9429562";

    @Test
    void mariaDbCommitsAreKeptOneByOneAndWhatAServerLacksIsExactlyThoseItDoesNotHave() {
        AcknowledgedCommits acked = new AcknowledgedCommits(2);
        for (long seq = 101; seq <= 150; seq++) {
            acked.server(0).recordMariaDb("1-1-" + seq);
        }
        acked.server(0).recordMariaDb("1-1-160"); // another client wrote 151..159 in between
        AcknowledgedCommits.Snapshot snapshot = acked.snapshot(ServerFlavour.MARIADB, 1);
        assertThat(snapshot.commits()).hasToString("1-1-101..150,1-1-160..160");
        assertThat(snapshot.forgotten().isEmpty()).isTrue();

        GtidSet has = MariaDbGtidSet.parse("1-1-120,2-2-7");
        GtidSet missing = snapshot.missingFrom(has);
        assertThat(missing).hasToString("1-1-121..150,1-1-160..160");
        assertThat(missing.count()).isEqualTo(31);
        assertThat(snapshot.exactFor(has)).isTrue();
        assertThat(snapshot.missingFrom(MariaDbGtidSet.parse("1-1-160")).isEmpty()).isTrue();
        // the wait's target: the position that reaches every one of them
        assertThat(((MariaDbGtidSet) missing).toPosition()).isEqualTo("1-1-160");
    }

    @Test
    void theServerSwitchedToIsLeftOutAndTheOtherFlavourIgnored() {
        AcknowledgedCommits acked = new AcknowledgedCommits(3);
        acked.server(0).recordMariaDb("1-1-5");
        acked.server(1).recordMariaDb("2-2-9");
        acked.server(2).recordMariaDb("3-3-4");
        assertThat(acked.snapshot(ServerFlavour.MARIADB, 1).commits()).hasToString("1-1-5..5,3-3-4..4");
        assertThat(acked.snapshot(ServerFlavour.MYSQL, 1).isEmpty()).isTrue();
        AcknowledgedCommits.Snapshot none = AcknowledgedCommits.Snapshot.none(ServerFlavour.MYSQL);
        assertThat(none.missingFrom(MysqlGtidSet.parse(UUID_A + ":1-3")).isEmpty()).isTrue();
    }

    @Test
    void mysqlReportsWithRangesSeveralSourcesAndTagsAreRead() {
        AcknowledgedCommits acked = new AcknowledgedCommits(2);
        AcknowledgedCommits.Server server = acked.server(0);
        server.recordMysql(UUID_A + ":13");
        server.recordMysql(UUID_A.toUpperCase() + ":14-16");
        server.recordMysql(UUID_A + ":20:22," + UUID_B + ":3");
        server.recordMysql(UUID_B + ":tag_1:5");
        assertThat(acked.snapshot(ServerFlavour.MYSQL, 1).commits())
                .isEqualTo(MysqlGtidSet.parse(UUID_A + ":13-16:20:22," + UUID_B + ":3:tag_1:5"));
    }

    @Test
    void textThatIsNotAGtidIsIgnored() {
        AcknowledgedCommits acked = new AcknowledgedCommits(1);
        AcknowledgedCommits.Server server = acked.server(0);
        for (String bad : new String[] {"", "1-1", "1-1-", "-1-2", "1-1-0", "a-b-c", "1-1-2-3", "1-1-99999999999999999999"}) {
            server.recordMariaDb(bad);
        }
        for (String bad : new String[] {"", "nonsense", UUID_A, UUID_A + ":", UUID_A + ":0", UUID_A + ":5-3",
                "zz11fa47-71ca-11e1-9e33-c80aa9429562:4", UUID_A + ":99999999999999999999"}) {
            server.recordMysql(bad);
        }
        assertThat(acked.snapshot(ServerFlavour.MARIADB, -1).isEmpty()).isTrue();
        assertThat(acked.snapshot(ServerFlavour.MYSQL, -1).isEmpty()).isTrue();
    }

    @Test
    void pastTheRecordTheHighestCommitPushedOutIsStillWaitedForAndTheReportSaysAtLeast() {
        AcknowledgedCommits acked = new AcknowledgedCommits(1);
        int total = AcknowledgedCommits.KEPT + 100;
        for (long seq = 1; seq <= total; seq++) {
            acked.server(0).recordMariaDb("0-1-" + (2 * seq)); // every other one: no two kept ones are adjacent
        }
        AcknowledgedCommits.Snapshot snapshot = acked.snapshot(ServerFlavour.MARIADB, -1);
        assertThat(snapshot.forgotten()).hasToString("0-1-200..200");
        assertThat(snapshot.commits().count()).isEqualTo(AcknowledgedCommits.KEPT + 1);
        assertThat(snapshot.exactFor(MariaDbGtidSet.parse("0-1-200"))).isTrue();
        assertThat(snapshot.exactFor(MariaDbGtidSet.parse("0-1-199"))).isFalse();
        assertThat(snapshot.missingFrom(MariaDbGtidSet.parse("0-1-150")).count()).isEqualTo(AcknowledgedCommits.KEPT + 1);

        AcknowledgedCommits mysql = new AcknowledgedCommits(1);
        mysql.server(0).recordMysql(UUID_A + ":1-5000");
        AcknowledgedCommits.Snapshot big = mysql.snapshot(ServerFlavour.MYSQL, -1);
        assertThat(big.commits()).isEqualTo(MysqlGtidSet.parse(UUID_A + ":" + (5000 - AcknowledgedCommits.KEPT) + "-5000"));
        assertThat(big.exactFor(MysqlGtidSet.parse(UUID_A + ":1-4500"))).isTrue();
    }

    @Test
    void concurrentRecordersLoseNothingWithinTheRecord() throws Exception {
        AcknowledgedCommits acked = new AcknowledgedCommits(1);
        int threads = 4;
        int each = AcknowledgedCommits.KEPT / threads;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t * each + 1;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    acked.server(0).recordMysql(UUID_A + ":" + (first + i));
                }
            });
            th.start();
            started.add(th);
        }
        go.countDown();
        for (Thread th : started) {
            th.join();
        }
        assertThat(acked.snapshot(ServerFlavour.MYSQL, -1).commits())
                .isEqualTo(MysqlGtidSet.parse(UUID_A + ":1-" + AcknowledgedCommits.KEPT));
    }

    @Test
    void recordingAKnownOriginAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AcknowledgedCommits acked = new AcknowledgedCommits(1);
        AcknowledgedCommits.Server server = acked.server(0);
        String[] mariaDb = new String[64];
        String[] mysql = new String[64];
        for (int i = 0; i < 64; i++) {
            mariaDb[i] = "1-1-" + (i + 1);
            mysql[i] = UUID_A + ":" + (i + 1);
        }
        for (int i = 0; i < 20_000; i++) { // known origins, warm
            server.recordMariaDb(mariaDb[i & 63]);
            server.recordMysql(mysql[i & 63]);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            server.recordMariaDb(mariaDb[i & 63]);
            server.recordMysql(mysql[i & 63]);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 200,000 recordings").isLessThan(1024);
    }
}
