"""The python-socketio peer: the same chat fan-out as a Python developer would write it.

One uvicorn worker per process, the workers joined by `AsyncRedisManager` on `REDIS_URL`. A member
emits `join` (the room's name, acknowledged once it is in the room); a `chat` event is re-emitted
to the whole room, the sender included, as Plenum sends `chat_posted` to the whole plenary.
Like Plenum, it moves what start-up allocated out of the collector's way (`gc.freeze`), so the
two differ in how they fan out, not in that one line.
"""

import gc
import os
from typing import Any

import socketio  # type: ignore[import-untyped]


def create_app() -> Any:
    manager = socketio.AsyncRedisManager(os.environ["REDIS_URL"])
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)
    rooms: dict[str, str] = {}

    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        rooms[sid] = room
        return True

    async def chat(sid: str, data: dict[str, str]) -> None:
        await sio.emit("chat", data, room=rooms[sid])

    async def disconnect(sid: str, reason: str) -> None:
        rooms.pop(sid, None)

    sio.on("join", join)
    sio.on("chat", chat)
    sio.on("disconnect", disconnect)
    gc.collect()
    gc.freeze()
    return socketio.ASGIApp(sio)
