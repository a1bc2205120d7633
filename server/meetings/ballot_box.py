"""Where the choices of a secret poll are kept: the interface, and its in-process implementation.

The meeting's core never sees a secret ballot's choices (it records only that someone voted);
they go into a ballot box, which keeps them where nothing links them to a voter, and counts
them when the poll closes. The box keeps two sets per poll:

- the ballots: each a `ballot key` (a hash of the secret the voter's client made for this
  poll) with its choices. The same secret again replaces the choices: a changed ballot, or a
  retry after a reply that was lost;
- the voters: each a `voter key`, an HMAC of the voter's id under a key derived from the
  server's secret, so one voter cannot put two ballots in the box with two secrets.

Nothing ties a ballot to a voter mark: neither holds the other's key, no time is kept, and
both are read back in the order of their keys (hashes), never in the order they came in. The
box is chosen once at start-up with the hub: this one in the process (the embedded default),
`server.cluster.ballot_box.RedisBallotBox` shared by every worker through Redis.
"""

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from rooms import MeetingId, ParticipantId

# Separates the voter marks' key from every other use of the server's secret (signing tokens).
VOTER_KEY_PURPOSE = b"plenum ballot box: voter marks"


@dataclass(frozen=True)
class Deposited:
    """The box holds the ballot: `first` when this voter had none in it yet."""

    first: bool


class Refusal(StrEnum):
    CLOSED = "closed"  # the poll was closed: the box takes no more ballots
    # The voter has a ballot in the box under another secret (one ballot each).
    VOTED_ALREADY = "voted_already"
    # The secret is another voter's ballot: only a stolen or made-up secret gets here.
    SECRET_TAKEN = "secret_taken"


@dataclass(frozen=True)
class Refused:
    reason: Refusal


@dataclass(frozen=True)
class BoxCount:
    """What a closed box holds: how many ballots, and how many of them chose each option."""

    ballots: int
    counts: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, ballots: Iterable[Sequence[int]]) -> "BoxCount":
        counted: Counter[int] = Counter()
        total = 0
        for choices in ballots:
            total += 1
            counted.update(choices)
        return cls(total, dict(counted))

    def per_option(self, options: int) -> tuple[int, ...]:
        """The counts of options 0 .. options - 1 (a checked ballot chooses no other)."""
        return tuple(self.counts.get(option, 0) for option in range(options))


class BallotBox(Protocol):
    async def deposit(
        self,
        meeting: MeetingId,
        poll: str,
        voter: ParticipantId,
        secret: str,
        choices: Sequence[int],
    ) -> Deposited | Refused:
        """Put `voter`'s ballot in the poll's box, or replace the one cast with `secret`.

        Atomic. The caller has checked that the voter may vote and that the choices are the
        poll's; the box checks only what it alone knows (closed, one ballot each). Raises
        `server.meetings.hub.Unavailable` when the box is out of reach.
        """
        ...

    async def close(self, meeting: MeetingId, poll: str) -> BoxCount:
        """Close the poll's box (atomic) and count it; the same count again when closed already."""
        ...

    async def forget(self, meeting: MeetingId) -> None:
        """Throw away every box of the meeting (the organiser deleted it)."""
        ...


@dataclass(frozen=True)
class Seal:
    """How a ballot and its voter are named in the box, so neither can be traced to the other."""

    voter_mac_key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, server_secret: str) -> "Seal":
        derived = hmac.new(server_secret.encode(), VOTER_KEY_PURPOSE, hashlib.sha256).digest()
        return cls(derived)

    def ballot_key(self, meeting: MeetingId, poll: str, secret: str) -> str:
        # A hash of the voter's secret, never of the voter: whoever holds the box cannot try
        # each participant's id against it. Meeting and poll go in too, so a client that
        # reuses one secret in two polls does not link its two ballots.
        return hashlib.sha256(_joined(meeting, poll, secret)).hexdigest()

    def voter_key(self, meeting: MeetingId, poll: str, voter: ParticipantId) -> str:
        # Keyed: without the server's secret nobody can tell whose mark it is. That someone
        # voted is no secret (the meeting says it); what they chose is nowhere near it.
        mac = hmac.new(self.voter_mac_key, _joined(meeting, poll, voter), hashlib.sha256)
        return mac.hexdigest()


def _joined(*parts: str) -> bytes:
    """The parts as one unambiguous string (no separator a part could contain)."""
    return json.dumps(parts).encode()


def encode_choices(choices: Sequence[int]) -> str:
    """The choices as the box stores them: sorted option indexes, comma-separated."""
    if any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in choices):
        # Not quoted: an error may reach a log line, which names whose connection failed.
        raise ValueError("choices must be option indexes (integers >= 0)")
    return ",".join(str(choice) for choice in sorted(set(choices)))


def decode_choices(stored: str) -> tuple[int, ...]:
    return tuple(int(choice) for choice in stored.split(",") if choice)


@dataclass
class _Box:
    # ballot key -> encoded choices. A dict keeps the order ballots came in, but only in this
    # process's memory, which sees every ballot in flight anyway; it is counted in key order.
    ballots: dict[str, str] = field(default_factory=dict)
    voters: set[str] = field(default_factory=set)
    closed: bool = False


class LocalBallotBox:
    """Every poll's box in this process: the embedded default, gone with the process."""

    def __init__(self, server_secret: str) -> None:
        self._seal = Seal.from_secret(server_secret)
        self._boxes: dict[tuple[MeetingId, str], _Box] = {}

    async def deposit(
        self,
        meeting: MeetingId,
        poll: str,
        voter: ParticipantId,
        secret: str,
        choices: Sequence[int],
    ) -> Deposited | Refused:
        encoded = encode_choices(choices)
        box = self._boxes.setdefault((meeting, poll), _Box())
        if box.closed:
            return Refused(Refusal.CLOSED)
        ballot = self._seal.ballot_key(meeting, poll, secret)
        mark = self._seal.voter_key(meeting, poll, voter)
        if ballot in box.ballots:
            if mark not in box.voters:
                return Refused(Refusal.SECRET_TAKEN)
            box.ballots[ballot] = encoded
            return Deposited(first=False)
        if mark in box.voters:
            return Refused(Refusal.VOTED_ALREADY)
        box.ballots[ballot] = encoded
        box.voters.add(mark)
        return Deposited(first=True)

    async def close(self, meeting: MeetingId, poll: str) -> BoxCount:
        box = self._boxes.setdefault((meeting, poll), _Box())
        box.closed = True
        return BoxCount.of(decode_choices(box.ballots[key]) for key in sorted(box.ballots))

    async def forget(self, meeting: MeetingId) -> None:
        for box in [box for box in self._boxes if box[0] == meeting]:
            del self._boxes[box]
