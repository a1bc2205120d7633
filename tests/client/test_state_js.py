"""The browser's copy of the meeting (`static/state.js`) agrees with the core's (`rooms/evolve.py`).

Each recorded session (`tests/client/sessions.py`) goes through both: the core applies every event
to the meeting's state at the start, `state.js` (run by Node) loads each viewer's welcome and
applies the events that viewer received. What the client keeps must be what the core's view of
the meeting shows that viewer.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rooms import MeetingConfig, MeetingState, ParticipantId
from rooms.events import Stamped
from rooms.evolve import apply
from rooms.plain import from_plain, to_plain
from rooms.view import view_for
from server.protocol.wire import ENVELOPE, EVENTS
from tests.client.sessions import RECORDERS, SESSIONS, record_all, render

RUN_STATE_JS = Path(__file__).resolve().parent / "state_js.mjs"
STATIC = Path(__file__).resolve().parents[2] / "static"
NAMES = [recorder.__name__ for recorder in RECORDERS]


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SESSIONS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def test_the_fixtures_are_what_the_core_records_now() -> None:
    fresh = record_all()
    assert sorted(p.stem for p in SESSIONS.glob("*.json")) == sorted(fresh)
    stale = [
        name
        for name, recorded in fresh.items()
        if (SESSIONS / f"{name}.json").read_text(encoding="utf-8") != render(recorded)
    ]
    assert stale == [], "regenerate with `python -m tests.client.sessions`"


def test_the_sessions_cover_every_event() -> None:
    recorded = {e["message"]["type"] for name in NAMES for e in fixture(name)["events"]}
    assert sorted(set(EVENTS) - recorded) == []


def core_end_state(session: dict[str, Any]) -> MeetingState:
    """The core's state after every event of the session, applied by `rooms.evolve`."""
    config = MeetingConfig(**session["limits"])
    state = from_plain(MeetingState, session["start"])
    for item in session["events"]:
        message = item["message"]
        fields = {k: v for k, v in message.items() if k not in (*ENVELOPE, "seq", "at")}
        event = from_plain(EVENTS[message["type"]], fields)
        audience = None if item["audience"] is None else frozenset(item["audience"])
        apply(state, Stamped(message["seq"], message["at"], event, audience), config.chat_history)
    return state


def received(session: dict[str, Any], viewer: str) -> list[dict[str, Any]]:
    return [
        item["message"]
        for item in session["events"]
        if item["audience"] is None or viewer in item["audience"]
    ]


def as_the_client_keeps(state: dict[str, Any], seen: int) -> dict[str, Any]:
    """A client holds no chat message's audience (events do not carry it), and counts its
    sequence by the last event it received."""
    kept = {**state, "seq": seen}
    kept["chat"] = [{k: v for k, v in m.items() if k != "audience"} for m in state["chat"]]
    return kept


def static_as_modules(scratch: Path) -> tuple[str, Path]:
    """Node, and a copy of static/ in `scratch` whose .js files Node reads as ES modules."""
    node = shutil.which("node")
    assert node is not None, "node is needed: apt-get install nodejs (scripts/test does)"
    # The browser reads static/*.js as modules because index.html says so; Node needs to be told.
    shutil.copytree(STATIC, scratch / "static")
    (scratch / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    return node, scratch / "static"


def run_state_js(viewers: list[dict[str, Any]], scratch: Path) -> list[dict[str, Any]]:
    node, static = static_as_modules(scratch)
    done = subprocess.run(
        [node, str(RUN_STATE_JS), str(static / "state.js")],
        input=json.dumps(viewers),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


@pytest.mark.parametrize("name", NAMES)
def test_state_js_keeps_what_the_core_shows_each_viewer(name: str, tmp_path: Path) -> None:
    session = fixture(name)
    end = core_end_state(session)
    assert to_plain(end) == session["end"]
    viewers = list(session["welcomes"])
    inputs = [
        {
            "limits": session["limits"],
            "you": viewer,
            "snapshot": session["welcomes"][viewer],
            "events": received(session, viewer),
        }
        for viewer in viewers
    ]
    for viewer, given, result in zip(viewers, inputs, run_state_js(inputs, tmp_path), strict=True):
        events = given["events"]
        assert result["applied"] == [True] * len(events), viewer
        assert result["replayed"] == [False] * len(events), viewer
        seen = events[-1]["seq"] if events else session["start"]["seq"]
        expected = as_the_client_keeps(to_plain(view_for(end, ParticipantId(viewer))), seen)
        assert as_the_client_keeps(result["state"], seen) == expected, viewer
