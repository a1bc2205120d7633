"""The WebSocket as deployed, by the Procfile's and the README's own commands.

The server declines per-message compression (docs/protocol.md says so, and every delivery would
otherwise be compressed once per connection), and reads no frame larger than Plenum accepts.
"""

import asyncio
import contextlib
import re
import shlex
import sys
from collections.abc import Callable

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.protocol.close_codes import CloseCode
from server.settings import Settings
from tests.harness.ports import free_port
from tests.harness.processes import StartServer, server_env, uvicorn_argv
from tests.harness.tree import ROOT

from .raw_socket import RawSocket, binary_frame_header, handshake

PROCFILE = ROOT / "Procfile"
README = ROOT / "README.md"
# What uvicorn would buffer by default (16 MiB), less one byte so that only a limit of Plenum's
# own refuses it.
UVICORN_DEFAULT_FRAME = 16 * 1024 * 1024 - 1


def procfile_argv(port: int) -> list[str]:
    """The Procfile's web command, with this interpreter's uvicorn and one worker on `port`."""
    line = next(ln for ln in PROCFILE.read_text().splitlines() if ln.startswith("web:"))
    words = shlex.split(line.removeprefix("web:"))
    uvicorn_at = next(i for i, w in enumerate(words) if w.endswith("uvicorn"))
    values = {"${HOST:-127.0.0.1}": "127.0.0.1", "${PORT:-8000}": str(port)}
    values["${WEB_CONCURRENCY:-1}"] = "1"
    rest = [values.get(w, w) for w in words[uvicorn_at + 1 :]]
    return [sys.executable, "-m", "uvicorn", *rest]


def readme_commands() -> list[str]:
    """Every uvicorn command of the README's Running in production, joined onto one line each."""
    section = README.read_text("utf-8").split("## Running in production", 1)[1].split("\n## ")[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert blocks, "no command in the README's Running in production"
    lines = [line for b in blocks for line in b.replace("\\\n", " ").splitlines()]
    return [line for line in lines if "server.app" in line]


def readme_argv(index: int) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        """The README's command, on loopback, one worker (its environment prefix dropped)."""
        words = shlex.split(readme_commands()[index])
        while "=" in words[0]:
            words = words[1:]
        values = {"0.0.0.0": "127.0.0.1", "8000": str(port), "$WEB_CONCURRENCY": "1"}
        rest = [values.get(w, w) for w in words[1:]]
        assert words[0] == ".venv/bin/uvicorn", f"the README runs {words[0]}"
        return [sys.executable, "-m", "uvicorn", *rest]

    return argv


COMMANDS: dict[str, Callable[[int], list[str]]] = {
    "Procfile": procfile_argv,
    **{f"README-{i + 1}": readme_argv(i) for i in range(len(readme_commands()))},
}


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
@pytest.mark.parametrize("where", sorted(COMMANDS))
async def test_a_frame_over_the_limit_is_refused_before_it_is_read(
    start_server: StartServer, where: str
) -> None:
    port = free_port()
    server = start_server(COMMANDS[where](port), port, server_env(port))
    server.wait_healthy()
    socket = await RawSocket.open(port)
    try:
        await socket.send(handshake(port))
        assert (await socket.response_head()).startswith("HTTP/1.1 101")
        # Only the header of a frame of almost 16 MiB: a server that means to read it all waits
        # for the rest, and buffers it as it comes; Plenum's refuses it at once.
        await socket.send(binary_frame_header(UVICORN_DEFAULT_FRAME))
        assert await socket.close_code() == 1009
    finally:
        await socket.aclose()


def test_uvicorn_that_would_buffer_larger_frames_is_refused_at_start(
    start_server: StartServer,
) -> None:
    port = free_port()
    argv = uvicorn_argv(port)
    at = argv.index("--ws-max-size")
    del argv[at : at + 2]  # uvicorn's default: 16 MiB
    server = start_server(argv, port, server_env(port))
    server.stopped = True  # exiting is what it should do
    assert server.process.wait(20) == 3  # uvicorn's start-up failure
    limit = Settings().max_frame_bytes + 1024
    assert f"start uvicorn with --ws-max-size {limit}" in server.printed()
