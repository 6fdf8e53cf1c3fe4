package dev.stickyfail.testkit;

import java.io.IOException;

/**
 * Run in a child JVM by {@link CleanupTest}: starts a group, prints its pids and directory, then waits to be
 * killed.
 */
public final class GroupHolderMain {

    private GroupHolderMain() {
    }

    public static void main(String[] args) throws IOException {
        ServerGroup group = ServerGroup.start(2);
        System.out.println("READY " + group.server(0).pid() + " " + group.server(1).pid() + " "
                + Workspace.get().root());
        System.out.flush();
        // Blocks until the parent kills us (or closes our stdin).
        while (System.in.read() >= 0) {
            // keep waiting
        }
        group.close();
    }
}
