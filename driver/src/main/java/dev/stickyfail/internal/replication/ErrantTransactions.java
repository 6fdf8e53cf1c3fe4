package dev.stickyfail.internal.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What an abandoned server did alone: the transactions it has that the server which replaced it had not received
 * at the switch. They are commits it never shipped before the fault (asynchronous replication), or statements that
 * ran when a frozen server woke. Once replication between the two resumes they reach the new primary, where they
 * apply over newer data or stop replication on a conflict: an operator should look at them first.
 *
 * <p>Computed as {@code old server's own GTIDs − everything the new server had at the switch}, without the
 * transactions the new server wrote itself (the old server replicates them once it is back, and they are not the
 * old server's doing). The old server's GTIDs are its binary log's ({@code gtid_binlog_state} on MariaDB,
 * {@code gtid_executed} on MySQL); what the new server had is its recorded {@link ReplicationView#had()}.
 *
 * @param oldServer    the abandoned server, as stickyfail names it ({@code host:port})
 * @param newServer    the server that was made active
 * @param transactions the errant transactions
 */
public record ErrantTransactions(String oldServer, String newServer, GtidSet transactions) {

    /**
     * @param atSwitch the new server's view of the old one, recorded when the switch made it active
     * @param oldOwn   the old server's own GTIDs, read when it is reachable again
     */
    public static ErrantTransactions compute(String oldServer, String newServer, ReplicationView atSwitch,
                                             GtidSet oldOwn) {
        GtidSet errant = oldOwn.minus(atSwitch.had());
        String newIdentity = atSwitch.serverIdentity();
        if (errant instanceof MariaDbGtidSet && newIdentity.matches("[0-9]{1,10}")) {
            errant = ((MariaDbGtidSet) errant).withoutServer(Long.parseLong(newIdentity));
        } else if (errant instanceof MysqlGtidSet && !newIdentity.isEmpty()) {
            errant = ((MysqlGtidSet) errant).withoutSource(newIdentity);
        }
        return new ErrantTransactions(oldServer, newServer, errant);
    }

    /**
     * Reads the returning old server's own GTIDs through {@code oldServer} (a fresh session to it; every statement
     * bounded by {@code timeout}) and computes what it did alone since {@code atSwitch}.
     */
    public static ErrantTransactions check(Connection oldServer, String oldName, String newName,
                                           ReplicationView atSwitch, Duration timeout) throws SQLException {
        GtidSet oldOwn = ReplicationView.readOwn(oldServer, timeout);
        if (!oldOwn.flavour().equals(atSwitch.flavour().name().toLowerCase(Locale.ROOT))) {
            throw new SQLNonTransientException("stickyfail: " + oldName + " speaks " + oldOwn.flavour()
                    + " GTIDs but " + newName + " " + atSwitch.flavour().name().toLowerCase(Locale.ROOT)
                    + " ones; cannot compare them");
        }
        return compute(oldName, newName, atSwitch, oldOwn);
    }

    public boolean isEmpty() {
        return transactions.isEmpty();
    }

    /** The number of transactions; an upper bound when {@link #exact()} is false. */
    public long count() {
        return transactions.count();
    }

    /**
     * False when a MariaDB domain has ranges of several server_ids, where a range may include seqs of another
     * server (see {@link MariaDbGtidSet}); MySQL counts are always exact.
     */
    public boolean exact() {
        return !(transactions instanceof MariaDbGtidSet) || !((MariaDbGtidSet) transactions).hasSharedDomains();
    }

    public List<GtidRange> ranges() {
        return transactions.ranges();
    }

    /**
     * One line for a WARN log, an event or JMX, e.g. {@code 127.0.0.1:3306 has 20 transaction(s) that
     * 127.0.0.1:3307 had not received when it became active: 1-1-101..120}. Lists the first
     * {@value GtidRange#SHOWN} ranges; {@link #transactions()} has them all.
     */
    public String describe() {
        if (isEmpty()) {
            return oldServer + " has no transaction that " + newServer + " had not received when it became active";
        }
        return oldServer + " has " + (exact() ? "" : "at most ") + count() + " transaction(s) that " + newServer
                + " had not received when it became active: " + GtidRange.summary(ranges());
    }

    @Override
    public String toString() {
        return describe();
    }
}
