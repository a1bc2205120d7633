"""Simulcast in the SDP: the layers a browser's offer sends, and the answer that takes them.

A browser asked for several encodings of one camera (`sendEncodings` with `rid`s) offers them on
the camera's m-line (RFC 8853):

    a=rid:q send
    a=rid:h send
    a=rid:f send
    a=simulcast:send q;h;f

and sends them only if the answer takes them, with `a=rid:… recv` and `a=simulcast:recv …`;
otherwise it sends the first alone. So must every later offer from the server: an offer that
leaves them out ends the layers (the browser's answer drops them). aiortc neither reads nor
writes these lines, so the answers and offers it makes are completed here, as text. They also
leave out retransmission streams (RTX) on such an m-line: a browser's RTX stream names the layer
it repairs only on its first packets, and without RTX the browser sends a lost packet again on
the layer's own stream, which the receiver already handles.

Plenum's client lists its layers smallest first; the server takes the offer's order as the
layers' order.
"""

import re
from collections.abc import Mapping
from itertools import pairwise

_MEDIA = re.compile(r"(?m)^m=")


def _sections(sdp: str) -> list[str]:
    """The session part, then each m-section, as text with its line ends."""
    starts = [m.start() for m in _MEDIA.finditer(sdp)]
    bounds = [0, *starts, len(sdp)]
    return [sdp[a:b] for a, b in pairwise(bounds) if b > a]


def _mid(section: str) -> str | None:
    found = re.search(r"(?m)^a=mid:(\S+)", section)
    return found.group(1) if found else None


def offered_layers(offer: str) -> dict[str, tuple[str, ...]]:
    """Each video m-section's layers by mid, for those sending more than one. Alternatives
    (`a,b`) count as their first; paused layers (`~a`) not at all."""
    layers: dict[str, tuple[str, ...]] = {}
    for section in _sections(offer):
        if not section.startswith("m=video"):
            continue
        found = re.search(r"(?m)^a=simulcast:send\s+(\S+)", section)
        mid = _mid(section)
        if found is None or mid is None:
            continue
        rids = tuple(
            first
            for stream in found.group(1).split(";")
            if (first := stream.split(",")[0]) and not first.startswith("~")
        )
        if len(rids) > 1:
            layers[mid] = rids
    return layers


def take_layers(sdp: str, layers: Mapping[str, tuple[str, ...]]) -> str:
    """The server's answer or offer with each of these m-sections (by mid) taking its layers,
    and no RTX there."""
    if not layers:
        return sdp
    out = []
    for section in _sections(sdp):
        mid = _mid(section)
        rids = layers.get(mid) if mid is not None else None
        out.append(_take_layers(section, rids) if rids else section)
    return "".join(out)


def _take_layers(section: str, rids: tuple[str, ...]) -> str:
    newline = "\r\n" if "\r\n" in section else "\n"
    lines = section.split(newline)
    trailing = lines[-1] == ""
    if trailing:
        lines.pop()
    rtx = {
        found.group(1)
        for line in lines
        if (found := re.match(r"a=rtpmap:(\d+) rtx/", line, re.IGNORECASE))
    }
    kept = []
    for line in lines:
        found = re.match(r"a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ /]", line)
        if found and found.group(1) in rtx:
            continue
        if line.startswith("m="):
            parts = line.split(" ")
            line = " ".join(parts[:3] + [pt for pt in parts[3:] if pt not in rtx])
        if line.startswith("a=ssrc-group:FID"):
            continue
        kept.append(line)
    kept += [f"a=rid:{rid} recv" for rid in rids]
    kept.append("a=simulcast:recv " + ";".join(rids))
    return newline.join(kept) + (newline if trailing else "")
