"""A participant on a network that lets no UDP out joins through a TURN server over TCP.

Ewa's Chromium runs in a network namespace whose outgoing UDP is dropped (tests/harness/shaped.py);
a real coturn listens on this machine's end of the namespace's veth pair, and Plenum hands its
address to browsers (PLENUM_ICE_SERVERS). Her browser's only way to the forwarding unit is then a
relayed candidate over TCP to coturn, which relays to Plenum over UDP on this machine."""

import json
from typing import Any

from tests.harness.processes import servers, start_plenum
from tests.harness.shaped import Shape, shaped_link, skip_unless_shapeable
from tests.harness.turn import TurnServer, turn_server

from .conftest import browsers_beside
from .person import Person, create_meeting

# The local candidate of the pair each open peer connection's transport has selected.
SELECTED = """
async () => {
  const found = [];
  for (const pc of window.peers) {
    if (pc.connectionState !== "connected") continue;
    const stats = [...(await pc.getStats()).values()];
    const byId = new Map(stats.map((s) => [s.id, s]));
    for (const transport of stats.filter((s) => s.type === "transport")) {
      const pair = byId.get(transport.selectedCandidatePairId);
      const local = pair && byId.get(pair.localCandidateId);
      if (local) found.push(local);
    }
  }
  return found;
}
"""


def test_a_participant_without_udp_joins_through_turn_over_tcp() -> None:
    skip_unless_shapeable("turnserver")
    with (
        shaped_link(Shape(block_udp_out=True)) as link,
        turn_server(link.outside) as turn,
        servers() as start,
    ):
        server = start_plenum(
            start,
            host=link.outside,
            PLENUM_ICE_SERVERS=json.dumps([turn.ice_server()]),
            **link.plenum_env(),
        )
        created = create_meeting(server, "Forum Osiedla Kowale")
        with browsers_beside(link, server) as (here, there):
            moderator = Person.open(here, created["moderator_link"]).join(
                "Anna Nowak", camera=True, microphone=True
            )
            ewa = Person.open(there, created["invite_link"]).join("Ewa", camera=False)
            ewa.sees_video_of(moderator.name)
            ewa.hears(moderator.name)

            locals_: list[dict[str, Any]] = ewa.page.evaluate(SELECTED)
            assert locals_, "Ewa's browser has no connected peer connection"
            for local in locals_:
                assert_relayed_over_tcp(local, turn)
            # Her browser did try UDP (its host candidate's checks), and the network refused it.
            assert link.blocked() > 0
            assert ewa.errors == [] and moderator.errors == []


def assert_relayed_over_tcp(local: dict[str, Any], turn: TurnServer) -> None:
    assert local["candidateType"] == "relay", local
    assert local["relayProtocol"] == "tcp", local
    assert local["address"] == turn.address, local
    assert local.get("url") == turn.tcp_url, local
