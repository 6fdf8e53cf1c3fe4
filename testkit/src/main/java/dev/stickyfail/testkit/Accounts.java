package dev.stickyfail.testkit;

/**
 * The database and the accounts every group has. The passwords are fixed (a group is a throwaway test fixture,
 * and the initialised data directory is cached between runs), but real: grant tables are on and every account
 * needs its password. They contain only characters that need no escaping in a JDBC URL.
 */
record Accounts(
        String database,
        String rootUser, String rootPassword,
        String appUser, String appPassword,
        String probeUser, String probePassword,
        String replUser, String replPassword) {

    static final Accounts DEFAULT = new Accounts(
            "app",
            "root", "root_Pw-9c1f7e",
            "app", "app_Pw-5b2d8a",
            "probe", "probe_Pw-3e6f1c",
            "repl", "repl_Pw-8a4b2d");
}
