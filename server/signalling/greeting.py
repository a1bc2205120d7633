"""How a connection joins a meeting: a `hello` (a link token and a name) or a `resume` (a resume
token and the last sequence number it saw), answered with a `welcome` and, after a resume, the
events the client missed."""

import asyncio
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from rooms import ParticipantId, Reason, Rejected, Stamped, opening
from rooms import commands as cmd
from rooms.plain import to_plain
from rooms.view import replay_for, view_for
from server import links
from server.meetings.hub import MeetingHandle
from server.protocol.close_codes import CloseCode
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import (
    Inbound,
    WireError,
    encode,
    encode_event,
    parse_fields,
    reply_error,
)
from server.rtc.wire import media_welcome
from server.services import Services
from server.signalling import contacts_link, lobby
from server.signalling.connection import Connection
from server.signalling.errors import ANSWERABLE, NotOpenYet, error_reply
from server.signalling.gate import Gate
from server.tokens import Grant, Kind, TokenError


@dataclass(frozen=True)
class Hello:
    token: str
    name: str
    organisation: str = ""
    district: str = ""
    group: str = ""
    # Resume tokens the browser kept from when it was removed from this meeting, or demoted from
    # moderator in it: a removal then holds against the same link, and a demotion against the
    # moderator link.
    removed: str = ""
    demoted: str = ""


@dataclass(frozen=True)
class Resume:
    resume: str
    # None: the client holds nothing of the meeting (a reloaded page), so it needs a snapshot.
    last_seq: int | None = None


# Refusals of a hello or a resume that no other try can change, and the close code that says so.
_FINAL_REFUSALS = {
    Reason.REMOVED: CloseCode.REMOVED,
    Reason.MEETING_ENDED: CloseCode.MEETING_ENDED,
    # Until a moderator unlocks it, which may be long: the page says so instead of retrying.
    Reason.MEETING_LOCKED: CloseCode.MEETING_LOCKED,
}


async def greet(services: Services, connection: Connection, gate: Gate) -> MeetingHandle | None:
    """Wait for a valid hello or resume; returns the meeting joined, None if it was closed."""
    deadline = services.clock() + services.settings.hello_timeout_s
    while not connection.closing:
        try:
            frame = await asyncio.wait_for(gate.receive(), deadline - services.clock())
        except TimeoutError:
            connection.close(CloseCode.PROTOCOL, "no hello in time")
            return None
        except WireError as error:
            gate.refuse(error)
            continue
        ref: int | str | None = None
        try:
            inbound = gate.decode(frame)
            ref = inbound.ref
            if inbound.type == "hello":
                return await _join(services, connection, gate, inbound)
            if inbound.type == "resume":
                return await _resume(services, connection, inbound)
            raise WireError(ErrorCode.NOT_JOINED, "send hello or resume first")
        except ANSWERABLE as error:
            gate.refuse(error, ref)
    return None


async def _join(
    services: Services, connection: Connection, gate: Gate, inbound: Inbound
) -> MeetingHandle | None:
    hello = parse_fields(Hello, inbound.fields)
    found = await _meeting_for(services, connection, inbound, hello.token, *links.LINK_KINDS)
    if found is None:
        return None
    live, grant = found
    if grant.kind is Kind.PERSONAL:
        invitee = links.invitee_of(grant, live.meeting.state)
        if invitee.id in live.meeting.state.participants:
            return await _again(services, connection, inbound, live, invitee.id)
        # The organiser's name and details, whatever the person typed: mixed assignment deals
        # by the districts the city knows.
        participant, name, role = invitee.id, invitee.name, invitee.role
        details = (invitee.organisation, invitee.district, invitee.group)
    else:
        participant = ParticipantId(secrets.token_urlsafe(9))
        name, role = hello.name, links.ROLE_OF_KIND[grant.kind]
        details = (hello.organisation, hello.district, hello.group)
    join = cmd.Join(
        participant,
        name,
        role,
        *details,
        removed_as=services.signer.former_self(hello.removed, grant.meeting),
        demoted_as=services.signer.former_self(hello.demoted, grant.meeting),
        connection=connection.id,
    )
    try:
        await live.submit(None, join)
    except Rejected as rejected:
        opens_at = opening.opens_at(live.meeting.state, live.meeting.config)
        if rejected.reason is Reason.NOT_OPEN_YET and opens_at is not None:
            raise NotOpenYet(rejected.detail, opens_at) from None
        code = _FINAL_REFUSALS.get(rejected.reason)
        if code is None:
            raise  # a name to correct, a full meeting: the socket stays open for another hello
        connection.deliver(error_reply(rejected, inbound.ref))
        connection.close(code, rejected.detail)
        return None
    # Before the welcome: the lobby (server.signalling.lobby) until a moderator admits them.
    waits = participant in live.meeting.state.lobby
    if waits and not await lobby.wait(connection, gate, live, participant):
        return None
    connection.participant = participant
    live.attach(connection)
    _welcome(services, live, connection, snapshot=True)
    return _unless_ended(live, connection)


async def _resume(
    services: Services, connection: Connection, inbound: Inbound
) -> MeetingHandle | None:
    resume = parse_fields(Resume, inbound.fields)
    found = await _meeting_for(services, connection, inbound, resume.resume, Kind.RESUME)
    if found is None:
        return None
    live, grant = found
    assert grant.participant is not None, "resume tokens always name their participant"
    try:
        await live.submit(None, cmd.Rejoin(grant.participant, connection.id))
    except Rejected as rejected:
        code = _FINAL_REFUSALS.get(rejected.reason, CloseCode.BAD_TOKEN)
        connection.deliver(error_reply(rejected, inbound.ref))
        connection.close(code, rejected.detail)
        return None
    connection.participant = grant.participant
    last_seq = resume.last_seq
    missed = None if last_seq is None else await _missed_since(live, last_seq)
    # From here to the end nothing awaits, so no event can slip between the replay and the
    # live events that follow it.
    _replace_older(live, connection)
    # A replay that would fill the send queue is worse than a fresh snapshot.
    if last_seq is None or missed is None or len(missed) >= services.settings.send_queue // 2:
        _welcome(services, live, connection, snapshot=True)
    else:
        connection.seen_seq = last_seq
        _welcome(services, live, connection, snapshot=False)
        state = live.meeting.state
        for stamped in missed:
            replayed = replay_for(state, stamped, connection.participant)
            if replayed is not None:
                connection.deliver(encode_event(replayed))
    connection.seen_seq = live.meeting.state.seq
    # Contacts between leaders: the personal link again, for a client that lost it.
    link = contacts_link.link_for(services, live.meeting.state, connection.participant)
    if link is not None:
        connection.deliver(link)
    return _unless_ended(live, connection)


async def _again(
    services: Services,
    connection: Connection,
    inbound: Inbound,
    live: MeetingHandle,
    participant: ParticipantId,
) -> MeetingHandle | None:
    """An invitee's personal link opened again while they are in the meeting (another device, a
    new tab): the same person, as in Zoom or BigBlueButton when one joins twice with one's own
    invitation, so this connection takes the older one's place instead of a second seat."""
    try:
        await live.submit(None, cmd.Rejoin(participant, connection.id))
    except Rejected as rejected:
        code = _FINAL_REFUSALS.get(rejected.reason, CloseCode.BAD_TOKEN)
        connection.deliver(error_reply(rejected, inbound.ref))
        connection.close(code, rejected.detail)
        return None
    connection.participant = participant
    _replace_older(live, connection)
    _welcome(services, live, connection, snapshot=True)
    return _unless_ended(live, connection)


def _replace_older(live: MeetingHandle, connection: Connection) -> None:
    previous = live.attach(connection)
    if previous is not None:
        previous.close(CloseCode.REPLACED, "the same participant connected again")


def _unless_ended(live: MeetingHandle, connection: Connection) -> MeetingHandle:
    """With Redis, the meeting may have ended, and its sockets closed, while this one awaited
    its join or resume: it is closed like them, after the welcome that shows the end."""
    if live.meeting.state.ended_at is not None:
        connection.close(CloseCode.MEETING_ENDED, "the meeting has ended")
    return live


async def _missed_since(live: MeetingHandle, seq: int) -> list[Stamped] | None:
    """Every event after `seq` up to the state as it is when this returns, or None."""
    missed: list[Stamped] = []
    while True:
        more = await live.events_after(seq)
        if more is None:
            return None
        missed.extend(more)
        seq = missed[-1].seq if missed else seq
        if seq >= live.meeting.state.seq:
            return missed


async def _meeting_for(
    services: Services, connection: Connection, inbound: Inbound, token: str, *kinds: Kind
) -> tuple[MeetingHandle, Grant] | None:
    """The meeting a token opens, or None after telling the client why not and closing."""
    try:
        grant = services.signer.verify(token, services.clock(), *kinds)
    except TokenError as error:
        _refuse_token(connection, inbound, error)
        return None
    live = await services.hub.open(grant.meeting)
    if live is None:
        connection.deliver(
            reply_error(ErrorCode.NO_MEETING, "this meeting does not exist here", inbound.ref)
        )
        connection.close(CloseCode.NO_MEETING, "no such meeting")
        return None
    if grant.kind in links.LINK_KINDS:
        try:
            links.role_of(grant, live.meeting.state, services.settings, services.clock())
        except TokenError as error:
            _refuse_token(connection, inbound, error)
            return None
    return live, grant


def _refuse_token(connection: Connection, inbound: Inbound, error: TokenError) -> None:
    connection.deliver(error_reply(error, inbound.ref))
    connection.close(CloseCode.BAD_TOKEN, str(error))


def _welcome(
    services: Services, live: MeetingHandle, connection: Connection, *, snapshot: bool
) -> None:
    state = live.meeting.state
    me = connection.participant
    expires_at = services.clock() + services.settings.token_ttl_s
    resume = services.signer.issue(Grant(Kind.RESUME, state.id, expires_at, me))
    # The latest chat only: older messages are paged with `chat_history`.
    view = view_for(state, me, live.meeting.config.chat_page) if snapshot else None
    message: dict[str, Any] = {
        "type": "welcome",
        "you": me,
        "resume": resume,
        "seq": state.seq if snapshot else connection.seen_seq,
        "snapshot": to_plain(view) if view is not None else None,
        "limits": asdict(live.meeting.config),
        "media": media_welcome(services.media.settings if services.media is not None else None),
    }
    if snapshot:
        connection.seen_seq = state.seq
    connection.deliver(encode(message))
