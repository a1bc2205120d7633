"""The WebSocket signalling endpoint: one connection, from its hello to its close.

A connection first joins its meeting (`server.signalling.greeting`), then sends commands and
receives events; a secret poll's ballot goes through the ballot box first
(`server.signalling.secret_ballot`). Everything a client gets wrong is answered with an `error`
naming it (`server.signalling.errors`); a client that keeps at it is closed by the gate
(`server.signalling.gate`) with a code from `server.protocol.close_codes`.
"""

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from rooms import Reason, Rejected
from rooms import commands as cmd
from rooms.ending import ended
from server.addresses import address_of
from server.meetings.hub import MeetingHandle
from server.protocol.close_codes import CloseCode
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import (
    Inbound,
    WireError,
    parse_command,
    parse_secret_ballot,
    reply_ok,
)
from server.rtc.wire import MEDIA_COMMANDS, parse_media
from server.services import Services
from server.sfu import MediaOffer, MediaView
from server.signalling import chat_history, contacts_link, notes_request, secret_ballot
from server.signalling.connection import Closing, Connection
from server.signalling.errors import ANSWERABLE
from server.signalling.gate import Gate
from server.signalling.greeting import greet

log = logging.getLogger("plenum.signalling")


async def serve(services: Services, websocket: WebSocket) -> None:
    address = address_of(websocket, services.trusted_proxies)
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
    settings = services.settings
    connection = Connection(websocket, address, settings.send_queue, settings.send_queue_bytes)
    gate = Gate(connection, services)
    talk = asyncio.create_task(_talk(services, connection, gate))
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
        if live is not None and live.detach(connection) and not ended(live.meeting.state):
            try:
                await live.submit(None, cmd.Disconnect(connection.participant, connection.id))
            except Rejected as rejected:
                # The meeting ended while this socket closed: its roster stays as it ended.
                if rejected.reason is not Reason.MEETING_ENDED:
                    log.exception("could not report %s disconnected", connection.participant)
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


async def _talk(services: Services, connection: Connection, gate: Gate) -> None:
    connection.live = await greet(services, connection, gate)
    if connection.live is not None:
        await _converse(services, connection.live, connection, gate)


async def _converse(
    services: Services, live: MeetingHandle, connection: Connection, gate: Gate
) -> None:
    while True:
        ref: int | str | None = None
        try:
            inbound = gate.decode(await gate.receive())
            ref = inbound.ref
            if inbound.type in MEDIA_COMMANDS:
                await _media(services, live, connection, gate, inbound)
                continue
            if inbound.type == "chat_history":
                _chat_history(live, connection, gate, inbound)
                continue
            if inbound.type == "notes":  # Workshop notes
                notes_request.parse_request(inbound)
                gate.forgive()
                notes = notes_request.notes_for(live.meeting.state, connection.participant)
                connection.deliver(notes_request.encode_notes(notes, inbound.ref))
                continue
            secret = parse_secret_ballot(inbound)
            if secret is not None:
                gate.forgive()
                await secret_ballot.cast(services.ballot_box, live, connection.participant, secret)
            else:
                command = parse_command(inbound)
                gate.forgive()
                await live.submit(connection.participant, command)
                if isinstance(command, cmd.ShareContact):
                    _send_contacts_link(services, live, connection)
        except ANSWERABLE as error:
            gate.refuse(error, ref)
        else:
            if ref is not None:
                connection.deliver(reply_ok(ref))


def _send_contacts_link(services: Services, live: MeetingHandle, connection: Connection) -> None:
    """Contacts between leaders: a fresh personal link to the directory, after each share."""
    link = contacts_link.link_for(services, live.meeting.state, connection.participant)
    if link is not None:
        connection.deliver(link)


def _chat_history(
    live: MeetingHandle, connection: Connection, gate: Gate, inbound: Inbound
) -> None:
    config = live.meeting.config
    request = chat_history.parse_request(inbound, config)
    gate.forgive()
    page = chat_history.page_for(live.meeting.state, connection.participant, request, config)
    connection.deliver(chat_history.encode_page(page, inbound.ref))


async def _media(
    services: Services, live: MeetingHandle, connection: Connection, gate: Gate, inbound: Inbound
) -> None:
    """A media message goes to this worker's forwarding unit, not to the meeting."""
    if services.media_router is None:
        raise WireError(ErrorCode.MEDIA_OFF, "this server carries no audio or video")
    message = parse_media(inbound, services.settings.max_view_videos)
    gate.forgive()
    if isinstance(message, MediaOffer):
        # Counted against the sessions this address may hold on the worker that serves them.
        await services.media_router.offer(
            live, connection, message, inbound.ref, connection.address
        )
    elif isinstance(message, MediaView):
        await services.media_router.view(connection, message, inbound.ref)
    else:
        await services.media_router.answer(connection, message, inbound.ref)
