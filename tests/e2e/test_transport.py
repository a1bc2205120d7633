"""The WebSocket as deployed: the Procfile's server declines per-message compression.

docs/protocol.md says so, and every delivery would otherwise be compressed once per connection.
"""

import asyncio
import contextlib
import shlex
import sys

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.close_codes import CloseCode

from .process import ROOT, StartServer, free_port, server_env

PROCFILE = ROOT / "Procfile"


def procfile_argv(port: int) -> list[str]:
    """The Procfile's web command, with this interpreter's uvicorn and one worker on `port`."""
    line = next(ln for ln in PROCFILE.read_text().splitlines() if ln.startswith("web:"))
    words = shlex.split(line.removeprefix("web:"))
    uvicorn_at = next(i for i, w in enumerate(words) if w.endswith("uvicorn"))
    values = {"${HOST:-127.0.0.1}": "127.0.0.1", "${PORT:-8000}": str(port)}
    values["${WEB_CONCURRENCY:-1}"] = "1"
    rest = [values.get(w, w) for w in words[uvicorn_at + 1 :]]
    return [sys.executable, "-m", "uvicorn", *rest]


async def test_an_offer_of_compression_is_declined(start_server: StartServer) -> None:
    port = free_port()
    server = start_server(procfile_argv(port), port, server_env(port))
    server.wait_healthy()
    # websockets offers permessage-deflate by default, as browsers do.
    async with connect(server.ws_url, open_timeout=10) as socket:
        assert socket.response is not None
        assert "Sec-WebSocket-Extensions" not in socket.response.headers


async def test_one_address_holds_at_most_its_sockets_behind_a_proxy_or_not(
    start_server: StartServer,
) -> None:
    port = free_port()
    env = server_env(port, PLENUM_MAX_SOCKETS_PER_ADDRESS="2")
    server = start_server(procfile_argv(port), port, env)
    server.wait_healthy()
    async with contextlib.AsyncExitStack() as sockets:
        for _ in range(2):
            await sockets.enter_async_context(connect(server.ws_url, open_timeout=10))
        async with connect(server.ws_url, open_timeout=10) as third:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(third.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CloseCode.TOO_MANY_SOCKETS
        # 127.0.0.1 is a trusted proxy by default: a client it forwards is counted as itself.
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        async with connect(server.ws_url, open_timeout=10, additional_headers=forwarded) as other:
            await other.send(msgpack.packb({"v": 1, "type": "hello", "token": "x", "name": "A"}))
            reply = msgpack.unpackb(await asyncio.wait_for(other.recv(), 10))
            assert reply["code"] == "bad_token"
