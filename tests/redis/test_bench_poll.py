"""`python -m bench poll` runs, at a tiny size: real workers through a real Redis, both tallies.

Eight voters cast their ballots at the same moment. With a tally on every ballot each client gets
one tally per ballot; coalesced, fewer; either way every client ends with the right count and the
same result, and the figures are written as JSON.
"""

import json
from pathlib import Path

from bench.__main__ import main

VOTERS = 8


def test_the_poll_benchmark_counts_every_ballot_coalesced_and_not(tmp_path: Path) -> None:
    written = tmp_path / "poll.json"
    argv = ["poll", "--voters", str(VOTERS), "--spread", "0", "--json", str(written)]

    assert main(argv) == 0

    rows = json.loads(written.read_text())
    assert [row["tally"] for row in rows] == ["every 250 ms", "every ballot"]
    coalesced, naive = rows
    for row in rows:
        assert "error" not in row, row
        assert row["tallies_right"] and row["results_right"], row
        assert row["clients"] == VOTERS + 1
        assert row["last_ballot_to_full_tally_max_ms"] >= 0
    assert naive["tallies_per_voter_max"] == VOTERS
    assert coalesced["tallies_per_voter_max"] < VOTERS
    assert coalesced["deliveries"] < naive["deliveries"]
