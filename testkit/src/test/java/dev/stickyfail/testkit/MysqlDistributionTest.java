package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MySQL 8 binaries' place in the cache, and the version test that picks the replication statements. */
class MysqlDistributionTest {

    @Test
    void twoUnpackingAtOnceBothGetOneCompleteCopy(@TempDir Path cache) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        Callable<Path> unpack = () -> {
            start.await(30, TimeUnit.SECONDS);
            return MysqlDistribution.binaries(cache);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> results = new ArrayList<>();
            results.add(pool.submit(unpack));
            results.add(pool.submit(unpack));
            Path first = results.get(0).get(3, TimeUnit.MINUTES);
            assertThat(results.get(1).get(3, TimeUnit.MINUTES)).isEqualTo(first);
            assertThat(CacheDirs.isComplete(first)).isTrue();
            assertThat(first.resolve("bin").resolve("mysqld")).isExecutable();
            assertThat(first.resolve("share").resolve("english").resolve("errmsg.sys")).isRegularFile();
            try (Stream<Path> entries = Files.list(cache)) {
                assertThat(entries).as("the loser's temporary copy is gone").containsExactly(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void versionsFromWhichMysqlSpeaksOfReplicasAndSources() {
        assertThat(MysqlReplication.atLeast("8.0.15", 8, 0, 23)).isFalse();
        assertThat(MysqlReplication.atLeast("8.0.23", 8, 0, 23)).isTrue();
        assertThat(MysqlReplication.atLeast("8.4.3-log", 8, 0, 23)).isTrue();
        assertThat(MysqlReplication.atLeast("5.7.44", 8, 0, 23)).isFalse();
        assertThat(MysqlReplication.atLeast("9.1.0", 8, 0, 23)).isTrue();
    }
}
