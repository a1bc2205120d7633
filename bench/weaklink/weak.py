"""The weak participant's side: what its Chromium's statistics say, sampled in the page, and what
a person would notice of it (gaps in the sound, the speaker's frame rate).

The page samples every feed it receives every `SAMPLE_MS`, by the name on its tile or its sound:
for audio the samples received and concealed (NetEq made them up for packets that did not come in
time; W3C `concealedSamples` is part of `totalSamplesReceived`), for video the frames decoded.
A sample interval counts as a gap when more than half its samples were concealed; the longest gap
is the longest run of such intervals, so it is known to within one interval.
"""

import itertools
from dataclasses import dataclass
from typing import Any

SAMPLE_MS = 100
# More than this share of an interval's samples concealed: the listener hears a gap there.
GAP_SHARE = 0.5

SAMPLER = f"""
() => {{
  window.feedSamples = [];
  // A received track's inbound-rtp report ({{}} before its first packet); null for a track
  // no peer connection receives (the page's own camera).
  const stats = async (track) => {{
    for (const pc of window.peers ?? []) {{
      if (pc.connectionState === "closed") continue;
      const receiver = pc.getReceivers().find((r) => r.track === track);
      if (!receiver) continue;
      for (const r of (await receiver.getStats()).values())
        if (r.type === "inbound-rtp") return r;
      return {{}};
    }}
    return null;
  }};
  setInterval(async () => {{
    const sample = {{ at: performance.now(), video: {{}}, audio: {{}}, bytes: 0, lost: 0,
                     packets: 0 }};
    for (const figure of document.querySelectorAll("#videos figure")) {{
      const name = figure.querySelector("figcaption")?.textContent;
      const track = figure.querySelector("video")?.srcObject?.getVideoTracks()[0];
      const r = track && (await stats(track));
      if (name && r) sample.video[name] = r.framesDecoded ?? 0;
    }}
    for (const audio of document.querySelectorAll("#videos audio")) {{
      const name = audio.getAttribute("aria-label") ?? "";
      const track = audio.srcObject?.getAudioTracks()[0];
      const r = track && (await stats(track));
      if (r) sample.audio[name] = [r.totalSamplesReceived ?? 0, r.concealedSamples ?? 0,
                                   r.concealmentEvents ?? 0];
    }}
    for (const pc of window.peers ?? []) {{
      if (pc.connectionState === "closed") continue;
      for (const r of (await pc.getStats()).values()) {{
        if (r.type !== "inbound-rtp") continue;
        sample.bytes += (r.bytesReceived ?? 0) + (r.headerBytesReceived ?? 0);
        sample.lost += r.packetsLost ?? 0;
        sample.packets += r.packetsReceived ?? 0;
      }}
    }}
    window.feedSamples.push(sample);
  }}, {SAMPLE_MS});
}}
"""


@dataclass(frozen=True)
class WeakView:
    longest_gap_ms: float  # the speaker's sound
    concealed_percent: float  # of the speaker's samples
    concealment_events: int
    worst_gap_ms: float  # of any feed's sound
    speaker_fps: float
    others_fps: float  # mean over the other feeds
    inbound_kbit: float
    lost_percent: float


def summarise(samples: list[dict[str, Any]], speaker: str) -> WeakView:
    """What the samples taken over a window say (the first and last bound it)."""
    if len(samples) < 2:
        raise ValueError("fewer than two samples: the page's sampler did not run")
    first, last = samples[0], samples[-1]
    seconds = (last["at"] - first["at"]) / 1000
    window_ms = last["at"] - first["at"]
    gaps = {name: _longest_gap(samples, name) for name in last["audio"]}
    # A feed with no statistics yet was never heard or seen: a gap as long as the window.
    speaker_audio = next((name for name in last["audio"] if speaker in name), None)
    if speaker_audio is None:
        gap, concealed, events = window_ms, 100.0, 0
    else:
        total0, concealed0, events0 = first["audio"].get(speaker_audio, [0, 0, 0])
        total1, concealed1, events1 = last["audio"][speaker_audio]
        gap = gaps[speaker_audio]
        concealed = 100 * (concealed1 - concealed0) / max(1, total1 - total0)
        events = events1 - events0
    fps = {
        name: (frames - first["video"].get(name, 0)) / seconds
        for name, frames in last["video"].items()
    }
    others = [value for name, value in fps.items() if name != speaker]
    packets = last["packets"] - first["packets"]
    lost = last["lost"] - first["lost"]
    return WeakView(
        longest_gap_ms=gap,
        concealed_percent=concealed,
        concealment_events=events,
        worst_gap_ms=max([*gaps.values(), gap]),
        speaker_fps=fps.get(speaker, 0.0),
        others_fps=sum(others) / len(others) if others else 0.0,
        inbound_kbit=(last["bytes"] - first["bytes"]) * 8 / 1000 / seconds,
        lost_percent=100 * lost / max(1, packets + lost),
    )


def _longest_gap(samples: list[dict[str, Any]], name: str) -> float:
    longest = run = 0.0
    for before, after in itertools.pairwise(samples):
        if name not in before["audio"] or name not in after["audio"]:
            run = 0.0
            continue
        total = after["audio"][name][0] - before["audio"][name][0]
        concealed = after["audio"][name][1] - before["audio"][name][1]
        if total > 0 and concealed > GAP_SHARE * total:
            run += after["at"] - before["at"]
            longest = max(longest, run)
        else:
            run = 0.0
    return longest
