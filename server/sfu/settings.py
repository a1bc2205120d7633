"""The media engine's settings: the ICE addresses offered, the servers browsers get, the limits."""

from dataclasses import dataclass


@dataclass(frozen=True)
class IceServer:
    """A STUN or TURN server handed to browsers; the server itself never contacts one."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("an ICE server needs at least one URL")
        for url in self.urls:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise ValueError(f"not a STUN or TURN URL: {url!r}")


@dataclass(frozen=True)
class MediaSettings:
    # Addresses offered as ICE host candidates, each bound on this machine ("127.0.0.1" in tests,
    # the public address in production). Empty: aioice's own choice (every interface but loopback).
    ice_host_addresses: tuple[str, ...] = ()
    ice_servers: tuple[IceServer, ...] = ()
    max_publishers_per_room: int = 25
    # Peer connections (one per participant) this worker serves.
    max_peers_per_worker: int = 200
    # Of them, from one client address (the address the connection came from).
    max_peers_per_address: int = 100
    # A peer connection not connected (ICE and DTLS) this long after its first offer is closed:
    # an offer whose ICE never completes (trickle with no end of candidates) holds no slot.
    ice_connect_timeout_s: float = 20.0
    # Packets kept per published track to answer its subscribers' NACKs (a power of two; 512 is
    # about 2.5 s of a 1.5 Mbit/s video stream).
    retransmit_history: int = 512
    # A new subscriber that still waits for a keyframe asks the publisher again after this long.
    keyframe_retry_s: float = 0.5
    # A room with more voices than this forwards only this many: the loudest heard speaking.
    loudest_voices: int = 4
    # Fit the video each subscriber is sent to its link (`server.sfu.bandwidth`); off: every
    # video it shows is sent whatever its link (for measuring against).
    fit_video_to_links: bool = True
    # Ask browsers for simulcast cameras (`welcome.media.simulcast`) and take the layers their
    # offers send (`server.sfu.simulcast`): each subscriber is sent the layer its tile needs and
    # its link carries.
    simulcast: bool = False
    # A room (the plenary apart) of this many members or more asks each one's camera to stay
    # under `gallery_camera_bps` (`server.sfu.limits`); 0: never.
    gallery_from: int = 6
    gallery_camera_bps: int = 600_000
    # The most videos a client's `media_view` may list, all of them sent (Zoom's gallery page).
    max_view_videos: int = 25

    def __post_init__(self) -> None:
        peers = (
            self.max_peers_per_worker,
            self.max_peers_per_address,
            self.max_view_videos,
            self.loudest_voices,
        )
        if min(self.max_publishers_per_room, *peers) < 1:
            raise ValueError("media limits must be at least 1")
        if self.ice_connect_timeout_s <= 0:
            raise ValueError("ice_connect_timeout_s must be more than 0")
        if self.gallery_from < 2 or self.gallery_camera_bps < 0:
            raise ValueError("gallery_from must be at least 2, gallery_camera_bps at least 0")
        if self.retransmit_history < 1 or self.retransmit_history & (self.retransmit_history - 1):
            raise ValueError("retransmit_history must be a power of two")
