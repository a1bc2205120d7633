"""A client that never reads does not hold the meeting up: it is dropped, the others go on.

The stuck client is a real socket that completes the WebSocket handshake and says hello, then
never reads again, with a small receive buffer: its TCP window closes, its worker's send queue
for it fills, and the worker drops it. Everyone else, on both workers, receives every message.
"""

import asyncio
import socket

import msgpack
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri

from server.protocol.wire import VERSION
from tests.e2e.wsclient import Client
from tests.redis.people import crowd, is_chat
from tests.redis.workers import Workers

SEND_QUEUE = 8
TEXT_CHARS = 30_000
MESSAGES = 300  # about 9 MB of chat: far more than the stuck client's socket buffers hold
STREAM_TIMEOUT_S = 30.0


class StuckClient:
    """Says hello over a real WebSocket, then never reads its socket again."""

    def __init__(self, url: str) -> None:
        uri = parse_uri(url)
        self.protocol = ClientProtocol(uri)
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.socket.settimeout(5.0)
        self.socket.connect((uri.host, uri.port))

    def hello(self, token: str, name: str) -> None:
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.state is State.CONNECTING:
            self.protocol.receive_data(self.socket.recv(4096))
        assert self.protocol.state is State.OPEN, self.protocol.handshake_exc
        hello = {"v": VERSION, "type": "hello", "token": token, "name": name}
        self.protocol.send_binary(msgpack.packb(hello, use_bin_type=True))
        self._flush()

    def close(self) -> None:
        self.socket.close()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            self.socket.sendall(data)


async def test_a_client_that_never_reads_is_dropped_and_slows_nobody(workers: Workers) -> None:
    limits = {
        "PLENUM_SEND_QUEUE": str(SEND_QUEUE),
        "PLENUM_MAX_CHAT_CHARS": str(TEXT_CHARS),
        "PLENUM_MAX_FRAME_BYTES": str(2 * TEXT_CHARS),
        # Notes at their limit must fit such frames, or the workers refuse to start.
        "PLENUM_MAX_NOTES_CHARS": str(TEXT_CHARS // 4),
    }
    first, second = workers.start(**limits), workers.start(**limits)
    meeting = await first.server.create_meeting("Forum Miasta")
    stuck = StuckClient(second.ws_url)
    try:
        async with crowd(meeting, [first, second], 4) as people:
            await asyncio.to_thread(stuck.hello, meeting["invite_token"], "Nie czyta")
            joined = await people[0].wait_for_event("participant_joined", name="Nie czyta")

            async def talk(person: Client) -> None:
                for n in range(MESSAGES // len(people)):
                    text = f"{person.name} {n} ".ljust(TEXT_CHARS, "x")
                    await person.command("send_chat", text=text)

            await asyncio.gather(*(talk(p) for p in people))
            for person in people:
                chats = await person.wait_for_all(is_chat, MESSAGES, STREAM_TIMEOUT_S)
                assert len({m["text"] for m in chats}) == MESSAGES
                dropped = await person.wait_for_event(
                    "participant_disconnected", participant=joined["participant"]
                )
                # Dropped while the others were still being served, not when it all ended.
                assert dropped["seq"] < chats[-1]["seq"]
    finally:
        stuck.close()
