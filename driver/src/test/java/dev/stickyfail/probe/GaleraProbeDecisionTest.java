package dev.stickyfail.probe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The galera probe's decision from the status values, every combination that matters (the real cluster: it/galera). */
class GaleraProbeDecisionTest {

    @ParameterizedTest(name = "state={0} ready={1} cluster={2} donorsAccepted={3} desyncedByHand={4} -> {5}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // synced, ready, primary: the one state that always passes
            "4 | ON | Primary | false | null | PASS | ok",
            "4 | ON | Primary | true | null | PASS | ok",
            // donor or desynced
            "2 | ON | Primary | false | null | FAIL | Galera node is a donor or desynced: wsrep_local_state=2 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=Primary; stickyfail.galeraAvailableWhenDonor=true accepts donors",
            "2 | ON | Primary | true | false | PASS | donor, accepted by stickyfail.galeraAvailableWhenDonor",
            "2 | ON | Primary | true | true | FAIL | Galera node desynced by hand (wsrep_desync=ON): wsrep_local_state=2 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=Primary",
            // out of the primary component: never, whatever the state says
            "4 | ON | non-Primary | true | null | FAIL | Galera node not in the primary component: wsrep_local_state=4 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=non-Primary",
            "0 | OFF | non-Primary | false | null | FAIL | Galera node not in the primary component: wsrep_local_state=0 (Donor/Desynced), wsrep_ready=OFF, wsrep_cluster_status=non-Primary",
            "0 | OFF | Disconnected | false | null | FAIL | Galera node not in the primary component: wsrep_local_state=0 (Donor/Desynced), wsrep_ready=OFF, wsrep_cluster_status=Disconnected",
            // not ready
            "4 | OFF | Primary | false | null | FAIL | Galera node not ready: wsrep_local_state=4 (Donor/Desynced), wsrep_ready=OFF, wsrep_cluster_status=Primary",
            // joining, joined
            "1 | ON | Primary | true | null | FAIL | Galera node not synced: wsrep_local_state=1 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=Primary",
            "3 | ON | Primary | true | null | FAIL | Galera node not synced: wsrep_local_state=3 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=Primary",
            // not Galera at all
            "null | null | null | false | null | FAIL | not a Galera node (no wsrep_local_state)",
    })
    void decides(String state, String ready, String cluster, boolean donors, Boolean desyncedByHand,
                 ProbeOutcome outcome, String detail) {
        ProbeResult r = GaleraProbe.decide(state, "Donor/Desynced", ready, cluster, donors, desyncedByHand);
        assertThat(r.outcome()).isEqualTo(outcome);
        assertThat(r.detail()).isEqualTo(detail);
    }
}
