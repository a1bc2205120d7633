"""The WebSocket as deployed: the Procfile's server declines per-message compression.

docs/protocol.md says so, and every delivery would otherwise be compressed once per connection.
"""

import shlex
import sys

from websockets.asyncio.client import connect

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
