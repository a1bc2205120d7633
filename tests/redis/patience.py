"""People who keep trying: a command that met an outage is sent again, unless it took effect.

An `unavailable` error, or a connection lost before the answer, leaves a command's fate open:
the writer may have stored it just before it went away. So a patient client first comes back
(resuming wherever it is told to), waits until the meeting answers it again, and looks at what
it sees: only a command that left no trace is sent again. How the meeting answers again: a
reaction, which changes nothing a person keeps, and whose `ok` comes only after every earlier
event reached this client.
"""

import asyncio
import time
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.e2e.wsclient import Client, Message, ServerError

PATIENCE_S = 20.0
ANSWER_TIMEOUT_S = 10.0
RECONNECT_TIMEOUT_S = 5.0
RETRY_S = 0.1

Done = Callable[[Client], bool]


class Patience:
    """How the people of a run act, and what they went through."""

    def __init__(self) -> None:
        self.unavailable = 0
        self.lost = 0
        # Set when someone first meets an outage.
        self.troubled = asyncio.Event()

    async def act(self, client: Client, kind: str, done: Done, /, **fields: object) -> None:
        """Send `kind` until it is accepted, or until what `client` sees says it took effect."""
        deadline = time.monotonic() + PATIENCE_S
        while True:
            if not client.connected:
                await self.rejoin(client)
            answer = await self._command(client, kind, fields)
            if answer is not None and answer["type"] == "ok":
                return
            await self.settle(client, deadline)
            if done(client):
                return
            _check(deadline, f"{client.name}: {kind} never went through")

    async def settle(self, client: Client, deadline: float) -> None:
        """Wait until the meeting answers `client` again, with every earlier event delivered."""
        while True:
            if not client.connected:
                await self.rejoin(client)
            answer = await self._command(client, "react", {"emoji": "👍"})
            if answer is not None and answer["type"] == "ok":
                return
            _check(deadline, f"{client.name}: the meeting never answered again")
            await asyncio.sleep(RETRY_S)

    async def rejoin(self, client: Client, url: str | None = None) -> None:
        """Resume, at `url` if given (else where the client was), until the meeting takes it."""
        deadline = time.monotonic() + PATIENCE_S
        if url is not None:
            client.url = url
        while True:
            await client.close()
            try:
                await client.reconnect(RECONNECT_TIMEOUT_S)
                return
            except ServerError as error:
                if error.code != "unavailable":
                    raise
                self._note(unavailable=True)
            except (OSError, InvalidHandshake, TimeoutError, AssertionError):
                # Refused, or no answer: the server is not there yet, or went away again.
                self._note(unavailable=False)
            _check(deadline, f"{client.name}: could not resume at {client.url}")
            await asyncio.sleep(RETRY_S)

    async def _command(
        self, client: Client, kind: str, fields: dict[str, object]
    ) -> Message | None:
        """The `ok` or `error` answering one `kind`; None if the connection ended first.

        An `unavailable` is noted and returned; any other error is the test's failure.
        """
        try:
            ref = await client.send(kind, **fields)
        except ConnectionClosed:
            self._note(unavailable=False)
            return None
        answered = asyncio.ensure_future(
            client.wait_for(
                lambda m: m["type"] in ("ok", "error") and m.get("ref") == ref, ANSWER_TIMEOUT_S
            )
        )
        closed = asyncio.ensure_future(client.wait_closed(ANSWER_TIMEOUT_S))
        await asyncio.wait({answered, closed}, return_when=asyncio.FIRST_COMPLETED)
        for waiting in (answered, closed):
            waiting.cancel()
        outcome = await asyncio.gather(answered, closed, return_exceptions=True)
        answer = outcome[0]
        if isinstance(answer, dict):
            if answer["type"] == "error":
                if answer["code"] != "unavailable":
                    recent = [m["type"] for m in client.messages[-8:]]
                    raise ServerError(
                        f"{client.name}: {kind}: {answer['code']}: {answer['message']}"
                        f" (last received: {recent})",
                        answer["code"],
                    )
                self._note(unavailable=True)
            return answer
        if isinstance(answer, AssertionError):
            raise answer
        self._note(unavailable=False)
        return None

    def _note(self, *, unavailable: bool) -> None:
        if unavailable:
            self.unavailable += 1
        else:
            self.lost += 1
        self.troubled.set()


def _check(deadline: float, failure: str) -> None:
    if time.monotonic() > deadline:
        raise AssertionError(f"{failure} in {PATIENCE_S} s")
