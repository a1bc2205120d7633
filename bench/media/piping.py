"""The media pipe inside a benchmark server process: its commands on the control line.

- `open_pipe {secret}` opens this worker's pipe endpoint on 127.0.0.1 and answers its address;
  the secret comes over the control line (the child's stdin), not the command line.
- `offer_feeds` (worker 0, once its publisher is live): offers the publisher's feeds on the pipe
  and answers each feed's id, source, mid and codec;
- `pipe_from {origin, feeds}` (the other workers): a `PipedFeed` for each, subscribed, and given to
  the forwarding unit for the plenary, as the placement will do it.

The origin's taps are timed with the thread's CPU clock around each (`thread_time_ns`, so time
the process spends preempted on a busy machine is not counted): the pipe's own cost per packet on
worker 0 (seal and `sendto`), apart from the CPU time of the whole process.
"""

import time
from typing import Any

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rooms.ids import PLENARY, ParticipantId
from server.sfu import ForwardingUnit, Mid, Source
from server.sfu.pipe import Address, PipedFeed, PipeEndpoint, Tap
from server.sfu.pipe_datagram import FeedId

PUBLISHER = ParticipantId("publisher")


class TimedPipe(PipeEndpoint):
    """A pipe endpoint that adds up the time its origin taps take, and its sends (nearly all
    of them the taps' own, on worker 0)."""

    tap_ns = 0
    tapped = 0
    send_ns = 0

    def _send(self, data: bytes, to: Address) -> None:
        start = time.thread_time_ns()
        super()._send(data, to)
        self.send_ns += time.thread_time_ns() - start

    def _tap(self, feed_id: FeedId, to: Address) -> Tap:
        untimed = super()._tap(feed_id, to)

        def tap(
            extended: int, marker: int, timestamp: int, payload: bytes, level: int | None
        ) -> None:
            start = time.thread_time_ns()
            untimed(extended, marker, timestamp, payload, level)
            self.tap_ns += time.thread_time_ns() - start
            self.tapped += 1

        return tap


class Piping:
    def __init__(self, engine: ForwardingUnit) -> None:
        self.engine = engine
        self.pipe: TimedPipe | None = None
        self.piped: list[PipedFeed] = []

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        if command["cmd"] == "open_pipe":
            endpoint = await TimedPipe.open(bytes.fromhex(command["secret"]))
            assert isinstance(endpoint, TimedPipe)
            self.pipe = endpoint
            return {"address": list(self.pipe.address)}
        assert self.pipe is not None, "open_pipe comes first"
        if command["cmd"] == "offer_feeds":
            if any(feed.codec is None for feed in self.engine.feeds(PUBLISHER)):
                return {"feeds": None}  # a track of the publisher not live yet: ask again
            feeds = []
            for number, feed in enumerate(self.engine.feeds(PUBLISHER)):
                assert feed.codec is not None
                self.pipe.offer(FeedId(number), feed)
                codec = feed.codec
                feeds.append(
                    {
                        "id": number,
                        "mid": feed.mid,
                        "source": feed.source.value,
                        "codec": [codec.mimeType, codec.clockRate, codec.channels,
                                  codec.payloadType, dict(codec.parameters)],
                    }
                )  # fmt: skip
            return {"feeds": feeds}
        if command["cmd"] == "pipe_from":
            host, port = command["origin"]
            for feed in command["feeds"]:
                mime, clock_rate, channels, payload_type, parameters = feed["codec"]
                codec = RTCRtpCodecParameters(
                    mimeType=mime, clockRate=clock_rate, channels=channels,
                    payloadType=payload_type, parameters=parameters,
                )  # fmt: skip
                piped = PipedFeed(
                    PUBLISHER, Mid(feed["mid"]), Source(feed["source"]), codec,
                    pipe=self.pipe, origin=(host, port), feed_id=FeedId(feed["id"]),
                    keyframe_retry_s=self.engine.settings.keyframe_retry_s,
                    history=self.engine.settings.retransmit_history,
                )  # fmt: skip
                self.pipe.subscribe(piped)
                self.engine.add_remote_feed(piped, PLENARY)
                self.piped.append(piped)
            return {"piped": len(self.piped)}
        return {"error": f"unknown command {command['cmd']!r}"}

    def stats(self) -> dict[str, Any]:
        """What the pipe did since the last call: its latency samples are handed over once."""
        if self.pipe is None:
            return {}
        stats = self.pipe.stats
        latencies = list(stats.latency_us)
        stats.latency_us.clear()
        return {
            "sent": stats.sent,
            "received": stats.received,
            "repairs_sent": stats.repairs_sent,
            "dropped": dict(stats.dropped),
            "tap_ns": self.pipe.tap_ns,
            "send_ns": self.pipe.send_ns,
            "tapped": self.pipe.tapped,
            "latency_us": latencies,
            "gaps": sum(p.gaps for p in self.piped),
            "piped_outlets": sum(len(p.outlets) for p in self.piped),
        }

    def close(self) -> None:
        if self.pipe is not None:
            self.pipe.close()
