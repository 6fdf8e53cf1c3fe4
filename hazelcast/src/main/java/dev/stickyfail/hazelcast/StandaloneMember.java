package dev.stickyfail.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;

import java.io.File;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Hazelcast member with nothing else in it, for deployments with two application instances: it is the third CP
 * member. It applies the same tuning as an embedded member ({@link MemberTuning}) and keeps itself in the CP group the
 * same way ({@link EmbeddedMember}).
 *
 * <pre>java -jar stickyfail-hazelcast-&lt;version&gt;-member.jar member.yaml</pre>
 * or, with the two jars: {@code java -cp stickyfail-hazelcast.jar:hazelcast.jar dev.stickyfail.hazelcast.StandaloneMember
 * --config member.yaml}. Add {@code --no-tune} to start the member exactly as the file says (phone-home and bind-any
 * stay off). SIGTERM leaves the cluster gracefully.
 */
public final class StandaloneMember {

    private StandaloneMember() {
    }

    public static void main(String[] args) {
        // the member jar logs through slf4j-simple: with times, like a server log
        System.setProperty("org.slf4j.simpleLogger.showDateTime",
                System.getProperty("org.slf4j.simpleLogger.showDateTime", "true"));
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat",
                System.getProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS"));
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Returns a non-zero exit status after a one-line error, or blocks for as long as the member runs. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String file = null;
        boolean tune = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length) {
                file = args[++i];
            } else if (a.equals("--no-tune")) {
                tune = false;
            } else if (a.equals("--help") || a.equals("-h")) {
                out.println(usage());
                return 0;
            } else if (!a.startsWith("-") && file == null) {
                file = a;
            } else {
                err.println("stickyfail standalone member: unexpected argument '" + a + "'. " + usage());
                return 2;
            }
        }
        if (file == null) {
            err.println("stickyfail standalone member: no member file given. " + usage());
            return 2;
        }
        File f = new File(file);
        Config first;
        try {
            first = load(f, tune);
        } catch (RuntimeException e) {
            err.println("stickyfail standalone member: " + e.getMessage());
            return 2;
        }
        if (first.getCPSubsystemConfig().getCPMemberCount() == 0) {
            err.println("stickyfail standalone member: " + f + " sets no cp-subsystem.cp-member-count; the standalone member "
                    + "exists to be a CP member: set cp-member-count: 3 in every member's file");
            return 2;
        }
        HazelcastEdition edition = HazelcastEdition.current();
        if (!edition.memberHasCp()) {
            err.println("stickyfail standalone member: " + edition.message("the standalone member"));
            return 2;
        }
        boolean tuned = tune;
        Config[] next = {first};
        EmbeddedMember member;
        try {
            member = EmbeddedMember.start(f.toString(), () -> {
                Config c = next[0] != null ? next[0] : load(f, tuned);
                next[0] = null;
                return c;
            });
        } catch (RuntimeException e) {
            err.println("stickyfail standalone member: the member did not start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            member.close();
            stopped.countDown();
        }, "stickyfail-member-shutdown"));
        HazelcastInstance hz = member.instance();
        out.println("stickyfail standalone member " + hz.getCluster().getLocalMember().getAddress() + " started from " + f
                + (tune ? " (tuned for stickyfail)" : " (untuned)") + "; waiting for the CP Subsystem ("
                + member.cpMemberCount() + " CP members)");
        try {
            while (!member.awaitCpDiscovery(10, TimeUnit.SECONDS)) {
                out.println("stickyfail standalone member: waiting for " + member.cpMemberCount() + " members; this member "
                        + "sees " + member.instance().getCluster().getMembers().size());
            }
            out.println("stickyfail standalone member: CP Subsystem ready; " + member.describe());
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static Config load(File f, boolean tune) {
        Config c;
        try {
            c = Config.loadFromFile(f);
        } catch (Exception e) {
            throw new IllegalArgumentException(f + " is not a usable Hazelcast member file (XML or YAML): " + e.getMessage(), e);
        }
        List<String> changed = MemberTuning.apply(c, tune);
        // our shutdown hook leaves gracefully (a CP member leaves its groups); Hazelcast's own would terminate
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        if (c.getProperty("hazelcast.logging.type") == null && System.getProperty("hazelcast.logging.type") == null) {
            c.setProperty("hazelcast.logging.type", "slf4j");
        }
        if (!changed.isEmpty()) {
            System.out.println("stickyfail standalone member: applying " + String.join(", ", changed));
        }
        return c;
    }

    private static String usage() {
        return "Usage: java -jar stickyfail-hazelcast-<version>-member.jar [--no-tune] <member.yaml|member.xml>";
    }
}
