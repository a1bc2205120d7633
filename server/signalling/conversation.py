"""The WebSocket signalling endpoint: one connection, from its hello to its close.

A connection first says `hello` (a link token and a name) or `resume` (a resume token and the
last sequence number it saw). It then gets a `welcome`, and from there sends commands and receives
events. Everything a client gets wrong is answered with an `error` naming it; a client that keeps
at it is closed with a code from `server.signalling.close_codes`.
"""

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Coroutine, Generator
from dataclasses import asdict, dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from rooms import ParticipantId, Reason, Rejected, Role, Stamped
from rooms import commands as cmd
from rooms.plain import to_plain
from rooms.view import sees, view_for
from server.meetings.hub import MeetingHandle, Unavailable
from server.rtc.wire import MEDIA_COMMANDS, media_welcome, parse_media
from server.services import Services
from server.sfu import MediaError, MediaOffer
from server.signalling import chat_history
from server.signalling.close_codes import CloseCode
from server.signalling.wire import (
    Inbound,
    WireError,
    decode,
    encode,
    encode_event,
    parse_command,
    parse_fields,
    reply_error,
    reply_ok,
)
from server.tokens import Grant, Kind, TokenError
from server.web.addresses import client_address
from server.web.ratelimit import TokenBucket

log = logging.getLogger("plenum.signalling")


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


class Closing(Exception):
    """The connection is being closed by the server; stop reading from it."""


class _Unfinished:
    """The rest of a coroutine whose first step has run and is waiting on `waiting_on`.

    Awaiting it hands `waiting_on` to the awaiting task, then resumes the coroutine with whatever
    the task sends or throws, step by step, as if the task had run it from the start.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def close(self) -> None:
        self._coroutine.close()

    def __await__(self) -> Generator[Any, Any, None]:
        waiting_on = self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as thrown:
                try:
                    waiting_on = self._coroutine.throw(thrown)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = self._coroutine.send(sent)
                except StopIteration:
                    return


class Connection:
    """One client's socket: frames sent at once when they can be, else a bounded queue of them.

    A frame for a connection with nothing queued is sent right where it is delivered, in the
    fan-out's own loop: the ASGI send of a socket that is not paused by flow control finishes
    without waiting, and waking a writer task per connection and per event cost more than the
    send itself. A send that has to wait (the client is not reading fast enough) is finished by
    the connection's writer task, and every later frame queues behind it until it is done.
    """

    def __init__(self, websocket: WebSocket, services: Services, address: str) -> None:
        self.websocket = websocket
        self.address = address
        self._addresses = services.addresses
        self.participant = ParticipantId("")
        # This socket's name in presence commands, to tell its goodbye from a newer socket's.
        self.id = secrets.token_hex(8)
        self.seen_seq = 0
        self._settings = services.settings
        self._clock = services.clock
        self._outbox: deque[bytes | tuple[CloseCode, str]] = deque()
        self._ready = asyncio.Event()
        self._closing = False
        # Set while the writer has something to finish first: a send that waits, or the queue.
        self._held = False
        self._waiting_send: _Unfinished | None = None
        self._failed: BaseException | None = None
        self.live: MeetingHandle | None = None
        # Set by `serve`: a client too slow to read is cut off even while a send to it is stuck.
        self.writer: asyncio.Task[None] | None = None
        self.dropped_with: tuple[CloseCode, str] | None = None
        self._strikes = 0
        self._over_rate = 0
        self._bucket = TokenBucket(
            self._settings.messages_per_s, self._settings.message_burst, self._clock()
        )

    def deliver(self, frame: bytes) -> None:
        if self._closing:
            return
        if not self._held:
            self._send_now(frame)
            return
        if len(self._outbox) >= self._settings.send_queue:
            # Never let one client that does not read hold up the meeting: drop it instead.
            self._closing = True
            self._outbox.clear()
            self.dropped_with = (CloseCode.TOO_SLOW, "send queue full: the client is not reading")
            if self.writer is not None:
                self.writer.cancel()
            return
        self._outbox.append(frame)
        self._ready.set()

    def _send_now(self, frame: bytes) -> None:
        send = self.websocket.send_bytes(frame)
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return
        except Exception as error:
            # The client is gone; its writer ends the connection with this error.
            self._failed = error
        else:
            self._waiting_send = _Unfinished(send, waiting_on)
        self._held = True
        self._ready.set()

    def close(self, code: CloseCode, reason: str) -> None:
        if not self._closing:
            self._closing = True
            self._held = True
            self._outbox.append((code, reason))
            self._ready.set()

    @property
    def closing(self) -> bool:
        return self._closing

    async def write_loop(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                if self._failed is not None:
                    raise self._failed
                if self._waiting_send is not None:
                    await self._waiting_send
                    self._waiting_send = None
                while self._outbox:
                    item = self._outbox.popleft()
                    if isinstance(item, bytes):
                        await self.websocket.send_bytes(item)
                    else:
                        code, reason = item
                        await self.websocket.close(code, reason)
                        return
                self._held = False
        finally:
            # Cut off (a client too slow, say) before it finished a send that had to wait: end
            # that send too, or it keeps waiting on the transport until collected.
            if self._waiting_send is not None:
                self._waiting_send.close()
                self._waiting_send = None

    async def receive(self) -> bytes:
        """The next frame, after the checks every frame gets; raises `WireError` for bad ones."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        if self._closing:
            raise Closing
        frame: bytes | None = message.get("bytes")
        if frame is None:
            raise WireError("malformed", "send binary frames: msgpack, not text")
        if len(frame) > self._settings.max_frame_bytes:
            self.close(CloseCode.TOO_LARGE, f"frame over {self._settings.max_frame_bytes} bytes")
            raise Closing
        if not self._bucket.take(self._clock()):
            self._over_rate += 1
            if self._over_rate > self._settings.max_strikes:
                self.close(CloseCode.FLOODING, "too many messages, too fast")
                raise Closing
            raise WireError("rate_limited", f"over {self._settings.messages_per_s:g} messages/s")
        self._over_rate = 0
        return frame

    def decode(self, frame: bytes) -> Inbound:
        """The frame's message, charged to the address's shared rate unless it is a
        `media_answer`: that answers the server's own offer, and refusing it because neighbours
        behind the same address spent the rate would leave this client's media stuck."""
        try:
            inbound = decode(frame)
        except WireError:
            self._charge_address()
            raise
        if inbound.type != "media_answer":
            self._charge_address()
        return inbound

    def _charge_address(self) -> None:
        if not self._addresses.take(self.address, self._clock()):
            # Not this connection's strike: others behind the same address (a city hall's NAT)
            # may have spent the rate. Refusing the frame is enough.
            rate = self._settings.address_messages_per_s
            raise WireError("rate_limited", f"over {rate:g} messages/s from your address")

    def refuse(self, error: WireError, ref: int | str | None = None) -> None:
        self.deliver(reply_error(error.code, error.message, ref if ref is not None else error.ref))
        if error.code == "rate_limited":
            return  # counted by the rate limiter itself
        self._strikes += 1
        if self._strikes > self._settings.max_strikes:
            self.close(CloseCode.TOO_MANY_INVALID, "too many invalid messages")

    def forgive(self) -> None:
        """A valid message: only invalid ones in a row count towards closing."""
        self._strikes = 0


async def serve(services: Services, websocket: WebSocket) -> None:
    peer = websocket.client.host if websocket.client is not None else ""
    # Every line of the header: a proxy may add its own line rather than append to the client's.
    forwarded_for = ", ".join(websocket.headers.getlist("x-forwarded-for"))
    address = client_address(peer, forwarded_for, services.trusted_proxies)
    if not services.addresses.open(address, services.clock()):
        # Accepted only to say why: a refused handshake tells a browser nothing.
        await websocket.accept()
        limit = services.settings.max_sockets_per_address
        await websocket.close(CloseCode.TOO_MANY_SOCKETS, f"over {limit} sockets from your address")
        return
    try:
        await _serve(services, websocket, address)
    finally:
        services.addresses.close(address)


async def _serve(services: Services, websocket: WebSocket, address: str) -> None:
    await websocket.accept()
    connection = Connection(websocket, services, address)
    talk = asyncio.create_task(_talk(services, connection))
    writer = connection.writer = asyncio.create_task(connection.write_loop())
    try:
        await asyncio.wait({talk, writer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if services.media_router is not None:
            try:
                await services.media_router.close(connection)
            except Exception:
                log.exception("could not close the media of %s", connection.participant)
        live = connection.live
        if live is not None and live.detach(connection):
            try:
                await live.submit(None, cmd.Disconnect(connection.participant, connection.id))
            except Exception:
                # The meeting's writer is out of reach: presence will notice this worker's loss.
                log.exception("could not report %s disconnected", connection.participant)
        talk.cancel()
        if connection.closing and not writer.done():
            # Let the last replies and the close frame go out before giving up on the socket.
            await asyncio.wait({writer}, timeout=1.0)
        writer.cancel()
        for outcome in await asyncio.gather(talk, writer, return_exceptions=True):
            if isinstance(outcome, Exception) and not isinstance(outcome, _CLIENT_WENT_AWAY):
                log.error("connection of %s failed", connection.participant, exc_info=outcome)
        if connection.dropped_with is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.close(*connection.dropped_with), timeout=1.0)


# How a conversation ends when the client leaves or the server closes it: not failures.
_CLIENT_WENT_AWAY = (WebSocketDisconnect, Closing, OSError, RuntimeError)


async def _talk(services: Services, connection: Connection) -> None:
    connection.live = await _greet(services, connection)
    if connection.live is not None:
        await _converse(services, connection.live, connection)


async def _greet(services: Services, connection: Connection) -> MeetingHandle | None:
    """Wait for a valid hello or resume; returns the meeting joined, None if it was closed."""
    deadline = services.clock() + services.settings.hello_timeout_s
    while not connection.closing:
        try:
            frame = await asyncio.wait_for(connection.receive(), deadline - services.clock())
        except TimeoutError:
            connection.close(CloseCode.PROTOCOL, "no hello in time")
            return None
        except WireError as error:
            connection.refuse(error)
            continue
        ref: int | str | None = None
        try:
            inbound = connection.decode(frame)
            ref = inbound.ref
            if inbound.type == "hello":
                return await _join(services, connection, inbound)
            if inbound.type == "resume":
                return await _resume(services, connection, inbound)
            raise WireError("not_joined", "send hello or resume first")
        except WireError as error:
            connection.refuse(error, ref)
        except Rejected as rejected:
            connection.deliver(reply_error(rejected.reason, rejected.detail, ref))
        except Unavailable as unavailable:
            connection.deliver(reply_error("unavailable", str(unavailable), ref))
    return None


async def _join(
    services: Services, connection: Connection, inbound: Inbound
) -> MeetingHandle | None:
    hello = parse_fields(Hello, inbound.fields)
    found = await _meeting_for(
        services, connection, inbound, hello.token, Kind.MODERATOR, Kind.INVITE
    )
    if found is None:
        return None
    live, grant = found
    role = Role.MODERATOR if grant.kind is Kind.MODERATOR else Role.PARTICIPANT
    participant = ParticipantId(secrets.token_urlsafe(9))
    join = cmd.Join(
        participant,
        hello.name,
        role,
        hello.organisation,
        hello.district,
        hello.group,
        removed_as=services.signer.former_self(hello.removed, grant.meeting),
        demoted_as=services.signer.former_self(hello.demoted, grant.meeting),
        connection=connection.id,
    )
    try:
        await live.submit(None, join)
    except Rejected as rejected:
        if rejected.reason is not Reason.REMOVED:
            raise  # a name to correct, a full meeting: the socket stays open for another hello
        connection.deliver(reply_error(rejected.reason, rejected.detail, inbound.ref))
        connection.close(CloseCode.REMOVED, rejected.detail)
        return None
    connection.participant = participant
    live.attach(connection)
    _welcome(services, live, connection, snapshot=True)
    return live


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
        code = CloseCode.REMOVED if rejected.reason is Reason.REMOVED else CloseCode.BAD_TOKEN
        connection.deliver(reply_error(rejected.reason, rejected.detail, inbound.ref))
        connection.close(code, rejected.detail)
        return None
    connection.participant = grant.participant
    last_seq = resume.last_seq
    missed = None if last_seq is None else await _missed_since(live, last_seq)
    # From here to the end nothing awaits, so no event can slip between the replay and the
    # live events that follow it.
    previous = live.attach(connection)
    if previous is not None:
        previous.close(CloseCode.REPLACED, "the same participant connected again")
    # A replay that would fill the send queue is worse than a fresh snapshot.
    if last_seq is None or missed is None or len(missed) >= services.settings.send_queue // 2:
        _welcome(services, live, connection, snapshot=True)
    else:
        connection.seen_seq = last_seq
        _welcome(services, live, connection, snapshot=False)
        for stamped in missed:
            if sees(stamped, connection.participant):
                connection.deliver(encode_event(stamped))
    connection.seen_seq = live.meeting.state.seq
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
        connection.deliver(reply_error("bad_token", str(error), inbound.ref))
        connection.close(CloseCode.BAD_TOKEN, str(error))
        return None
    live = await services.hub.open(grant.meeting)
    if live is None:
        connection.deliver(
            reply_error("no_meeting", "this meeting does not exist here", inbound.ref)
        )
        connection.close(CloseCode.NO_MEETING, "no such meeting")
        return None
    return live, grant


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


async def _converse(services: Services, live: MeetingHandle, connection: Connection) -> None:
    while True:
        ref: int | str | None = None
        try:
            inbound = connection.decode(await connection.receive())
            ref = inbound.ref
            if inbound.type in MEDIA_COMMANDS:
                await _media(services, live, connection, inbound)
                continue
            if inbound.type == "chat_history":
                _chat_history(live, connection, inbound)
                continue
            command = parse_command(inbound)
            connection.forgive()
            await live.submit(connection.participant, command)
        except WireError as error:
            connection.refuse(error, ref)
        except Rejected as rejected:
            connection.deliver(reply_error(rejected.reason, rejected.detail, ref))
        except Unavailable as unavailable:
            connection.deliver(reply_error("unavailable", str(unavailable), ref))
        except MediaError as error:
            connection.deliver(reply_error(error.code, error.detail, ref))
        else:
            if ref is not None:
                connection.deliver(reply_ok(ref))


def _chat_history(live: MeetingHandle, connection: Connection, inbound: Inbound) -> None:
    config = live.meeting.config
    request = chat_history.parse_request(inbound, config)
    connection.forgive()
    page = chat_history.page_for(live.meeting.state, connection.participant, request, config)
    connection.deliver(chat_history.encode_page(page, inbound.ref))


async def _media(
    services: Services, live: MeetingHandle, connection: Connection, inbound: Inbound
) -> None:
    """A media message goes to this worker's forwarding unit, not to the meeting."""
    if services.media_router is None:
        raise WireError("media_off", "this server carries no audio or video")
    message = parse_media(inbound)
    connection.forgive()
    if isinstance(message, MediaOffer):
        # Counted against the sessions this address may hold on the worker that serves them.
        await services.media_router.offer(
            live, connection, message, inbound.ref, connection.address
        )
    else:
        await services.media_router.answer(connection, message, inbound.ref)
