"""What a client's offer must hold before aiortc is given it.

aiortc's parser skips what it does not understand, so "hello world" parses as a session with no
media, and the peer connection answers it; a made-up DTLS fingerprint is only found out when the
handshake fails, after the session took a place on the worker. A browser's offer (RFC 8829) is a
complete session description: `v=0` first, `o=`, `s=` and `t=` lines, and for every media section
it sends on, a mid, ICE credentials and a fingerprint of a hash a DTLS stack knows. An offer with no
media sections is allowed: it is a listener's first offer, which the server answers with its own.
"""

import re

from aiortc.sdp import SessionDescription

from rooms.errors import quoted
from server.sfu.errors import MediaError, MediaErrorCode
from server.sfu.peer import parse_sdp

# The hash functions of RFC 8122's registry that a fingerprint may name, with their digest sizes.
DIGEST_BYTES = {"sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64}
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")


def checked_offer(sdp: str) -> SessionDescription:
    """The parsed offer, or `MediaError(BAD_SDP)` naming the first thing wrong with it."""
    lines = sdp.splitlines()
    if not lines or lines[0].strip() != "v=0":
        raise _bad("an SDP starts with the line v=0")
    for prefix in ("o=", "s=", "t="):
        if not any(line.startswith(prefix) for line in lines):
            raise _bad(f"the SDP has no {prefix} line")
    description = parse_sdp(sdp)
    for media in description.media:
        if media.port == 0:
            continue  # a stopped section: it carries nothing
        where = f"m={media.kind}"
        mid = media.rtp.muxId
        if not mid:
            raise _bad(f"{where}: no a=mid")
        where = f"{where} (mid {quoted(mid)})"
        if media.ice is None or not media.ice.usernameFragment:
            raise _bad(f"{where}: no a=ice-ufrag")
        if not media.ice.password:
            raise _bad(f"{where}: no a=ice-pwd")
        fingerprints = media.dtls.fingerprints if media.dtls is not None else []
        if not fingerprints:
            raise _bad(f"{where}: no a=fingerprint")
        for fingerprint in fingerprints:
            _check_fingerprint(where, fingerprint.algorithm, fingerprint.value)
    return description


def _check_fingerprint(where: str, algorithm: str, value: str) -> None:
    size = DIGEST_BYTES.get(algorithm.lower())
    if size is None:
        known = ", ".join(DIGEST_BYTES)
        raise _bad(f"{where}: a=fingerprint of {quoted(algorithm)}, not one of {known}")
    pairs = value.split(":")
    if len(pairs) != size or not all(_HEX_PAIR.fullmatch(pair) for pair in pairs):
        raise _bad(f"{where}: a=fingerprint {algorithm} is not {size} hex bytes separated by ':'")


def _bad(detail: str) -> MediaError:
    return MediaError(MediaErrorCode.BAD_SDP, detail)
