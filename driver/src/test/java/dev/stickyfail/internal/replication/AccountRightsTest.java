package dev.stickyfail.internal.replication;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AccountRightsTest {

    private static AccountRights rights(ServerFlavour flavour, String version, String... privileges) {
        return new AccountRights(flavour, version, "'app'@'%'", "", Set.of(privileges), "", true);
    }

    @Test
    void onlyGlobalPrivilegesAreReadAndNoPasswordHashIsKept() {
        // as MariaDB 11.4 and MySQL 8.0.15 printed them for the testkit's accounts
        assertThat(AccountRights.globalPrivileges("GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD "
                + "'*3F4EEC3EA419BFC0ED9AA8B3E9035ED248491293'")).containsExactly("USAGE");
        assertThat(AccountRights.globalPrivileges("GRANT ALL PRIVILEGES ON `app`.* TO `app`@`%`")).isEmpty();
        assertThat(AccountRights.globalPrivileges("GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `probe`@`%` "
                + "IDENTIFIED BY PASSWORD '*A794050BF66705B72B799645DCF2EE4EE60F14A9'"))
                .containsExactlyInAnyOrder("PROCESS", "BINLOG MONITOR", "SLAVE MONITOR");
        assertThat(AccountRights.globalPrivileges("GRANT `monrole` TO `rl`@`%`")).isEmpty();
        assertThat(AccountRights.globalPrivileges("GRANT `monrole`@`%` TO `rl`@`%`")).isEmpty();
        assertThat(AccountRights.globalPrivileges("GRANT SLAVE MONITOR ON *.* TO `monrole`")).containsExactly("SLAVE MONITOR");
        assertThat(AccountRights.globalPrivileges("GRANT APPLICATION_PASSWORD_ADMIN,BACKUP_ADMIN,SYSTEM_VARIABLES_ADMIN "
                + "ON *.* TO `root`@`%` WITH GRANT OPTION"))
                .containsExactlyInAnyOrder("APPLICATION PASSWORD ADMIN", "BACKUP ADMIN", "SYSTEM VARIABLES ADMIN");
        assertThat(AccountRights.globalPrivileges("GRANT ALL ON *.* TO x")).containsExactly("ALL PRIVILEGES");
        assertThat(AccountRights.globalPrivileges(null)).isEmpty();
    }

    @Test
    void readOnlyNeedsWhatEachServerVersionAsks() {
        assertThat(rights(ServerFlavour.MYSQL, "8.0.15", "SYSTEM VARIABLES ADMIN").setsReadOnly()).isTrue();
        assertThat(rights(ServerFlavour.MYSQL, "8.0.15", "SUPER").setsReadOnly()).isTrue();
        assertThat(rights(ServerFlavour.MYSQL, "8.0.15", "REPLICATION CLIENT").setsReadOnly()).isFalse();
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB-log", "READ ONLY ADMIN").setsReadOnly()).isTrue();
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB-log", "SUPER").setsReadOnly()).as("MDEV-29596").isFalse();
        assertThat(rights(ServerFlavour.MARIADB, "10.11.6-MariaDB", "SUPER").setsReadOnly()).isTrue();
        assertThat(rights(ServerFlavour.MARIADB, "10.4.30-MariaDB", "READ ONLY ADMIN").setsReadOnly()).isFalse();
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB", "ALL PRIVILEGES").setsReadOnly()).isTrue();
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB", "SUPER").grant("READ_ONLY ADMIN"))
                .isEqualTo("GRANT READ_ONLY ADMIN ON *.* TO 'app'@'%'");
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB").readOnlyPrivilege()).isEqualTo("READ_ONLY ADMIN");
        assertThat(rights(ServerFlavour.MYSQL, "8.0.15").readOnlyPrivilege()).isEqualTo("SYSTEM_VARIABLES_ADMIN");
    }

    @Test
    void theReplicationStatusRightByVersion() {
        assertThat(rights(ServerFlavour.MARIADB, "11.4.5-MariaDB-log").replicationStatusPrivilege()).isEqualTo("SLAVE MONITOR");
        assertThat(rights(ServerFlavour.MARIADB, "10.5.4-MariaDB").replicationStatusPrivilege())
                .isEqualTo("REPLICATION SLAVE ADMIN");
        assertThat(rights(ServerFlavour.MARIADB, "10.4.30-MariaDB").replicationStatusPrivilege())
                .isEqualTo("REPLICATION CLIENT");
        assertThat(rights(ServerFlavour.MYSQL, "8.0.15").replicationStatusPrivilege()).isEqualTo("REPLICATION CLIENT");
    }

    @Test
    void accountsAreQuotedForAGrant() {
        assertThat(AccountRights.quoteAccount("app@%")).isEqualTo("'app'@'%'");
        assertThat(AccountRights.quoteAccount("o'brien@10.0.0.%")).isEqualTo("'o''brien'@'10.0.0.%'");
        assertThat(AccountRights.quoteAccount("a@b@localhost")).isEqualTo("'a@b'@'localhost'");
    }
}
