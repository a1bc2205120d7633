"""Every setting Plenum runs with, read once from the environment at start-up."""

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rooms import MeetingConfig
from server import data_folder
from server.addresses import trusted_networks
from server.sfu.settings import IceServer, MediaSettings

STORES = ("sqlite", "memory")
# SQLite's `synchronous` in WAL mode (`server.sqlite.database`): what a commit survives.
SQLITE_SYNCS = ("normal", "full")

# A password anyone who reaches the server may guess at (a few attempts a window per address).
MIN_ORGANISER_PASSWORD = 12

# The bytes of an `edit_notes` message besides its text: its type, room, version, ref and the
# msgpack around them, with room to spare (a room id is a few bytes).
NOTES_FRAME_OVERHEAD = 256


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    # Where people reach the server: the base of the links printed and returned by the API.
    public_url: str = ""
    # Signs every token. Without it a random one is made, so links die with the process.
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    # Protects meeting creation over the HTTP API.
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    # The organiser's page (`server.web.organiser_session`): a password to sign in with besides
    # the admin token (empty: the admin token only), how long a sign-in lasts, and the sign-in
    # attempts one client address may make in a window (the right password too, past them).
    organiser_password: str = field(default="", repr=False)
    organiser_session_s: int = 12 * 3600
    sign_in_attempts: int = 10
    sign_in_window_s: float = 600.0
    # A meeting with this title is created at start and its links printed; empty for none.
    demo_title: str = ""
    # `plenum serve` keeps the secret and the admin token here (unless set), so links survive a
    # restart and the admin token can be found.
    data_dir: str = field(default_factory=lambda: str(data_folder.default_path()))
    # Resume tokens' lifetime; and a meeting's end when created with neither start nor end: this
    # long after its creation (`server.links`).
    token_ttl_s: int = 14 * 24 * 3600
    # A meeting created with a start and no end ends this long after its start.
    meeting_length_s: int = 4 * 3600
    # Wire limits: a frame over max_frame_bytes closes the connection (1009); past the rate a
    # message is refused, and a client that keeps at it, or keeps sending invalid messages, is
    # closed (4008, 4002).
    max_frame_bytes: int = 64 * 1024
    messages_per_s: float = 20.0
    message_burst: int = 40
    max_strikes: int = 20
    hello_timeout_s: float = 10.0
    # Per client address (in this worker), against one client holding thousands of sockets or
    # flooding over many: sockets open at once, and a message rate its sockets share (0: off).
    # Generous, because a whole city hall of leaders may come through one NAT'd address: a hall
    # of 100 people, each with a tab and a reconnect in flight, chatting and clapping at once.
    max_sockets_per_address: int = 200
    address_messages_per_s: float = 50.0
    address_message_burst: int = 200
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses or networks).
    # Only their word is taken; a client's own header is ignored. Loopback: a proxy on this host.
    trusted_proxies: str = "127.0.0.1,::1"
    # Time to finish a request's headers (the WebSocket handshake is one): a client that
    # trickles them is cut off (`server.web.handshake`).
    handshake_timeout_s: float = 10.0
    # Origins besides `public_url`'s whose pages may open the WebSocket, comma-separated
    # (`https://forum.example.org`). A socket with no Origin (no browser: a script) is let in.
    allowed_origins: str = ""
    # Messages waiting for one slow client before it is dropped (4005).
    send_queue: int = 1024
    # Bytes waiting for one slow client before it is dropped (4005): a few large frames (notes,
    # welcomes) fill a client's memory on the server long before `send_queue` frames do.
    send_queue_bytes: int = 16 * 1024 * 1024
    # Events kept per meeting for clients that resume; older gaps get a fresh snapshot.
    event_log: int = 10_000
    # A participant disconnected this long (or on a worker that died) leaves the meeting.
    ghost_grace_s: float = 300.0
    # Empty: everything in this process. Set: meetings shared by every worker through Redis.
    redis_url: str = ""
    # The writer of a meeting holds a lease this long and renews it; a dead writer's meeting
    # is taken over by another worker within about this time.
    lease_ttl_s: float = 3.0
    # A worker that has not shown a sign of life this long is dead: its clients are disconnected.
    worker_ttl_s: float = 5.0
    # How long a forwarded command waits for the meeting's writer before trying again.
    command_timeout_s: float = 2.0
    # How long, in all, a command may wait for a writer that is busy (its meeting moves on, as
    # when hundreds of people join at once) before the client is told `unavailable`.
    command_patience_s: float = 60.0
    # Connections each worker keeps to Redis, in each of its two pools: one for its clients'
    # commands (its pub/sub reader holds one of them), one for the writes, leases and heartbeat
    # of the meetings it writes. When every one is busy, as when hundreds of people join at
    # once, a command waits up to redis_pool_wait_s for a free one rather than fail.
    redis_pool: int = 100
    redis_pool_wait_s: float = 10.0
    # Without Redis, where meetings are kept: `sqlite` (a file in data_dir: they outlive a
    # restart) or `memory` (they die with the process).
    store: str = "sqlite"
    # What a stored event survives (SQLite's `synchronous`, in WAL mode): `normal`, a crash of
    # the process; `full`, a power loss or a crash of the host too, at an fsync per commit.
    sqlite_sync: str = "normal"
    # The writer stores a snapshot every this many events, for takeovers and late workers.
    snapshot_every: int = 500
    # A meeting's state stays in Redis, or in the embedded store, this long after its last event.
    retention_s: int = 7 * 24 * 3600
    # Audio and video through this server (the forwarding unit); off: signalling only.
    media: bool = True
    # The addresses offered to browsers as ICE host candidates, comma-separated; each must be an
    # address of this machine. Unset: loopback when the server listens on loopback (local use and
    # tests), else every interface but loopback. In production set the public or announced one.
    ice_host_addresses: str = ""
    # STUN/TURN servers handed to browsers (the server never contacts them): comma-separated
    # URLs, or JSON: a list of {"urls", "username", "credential"}. Empty: none.
    ice_servers: str = ""
    max_publishers_per_room: int = 25
    # Peer connections (one per participant with media) this worker serves.
    max_peers_per_worker: int = 200
    # Of them, from one client address: one link opened on many sockets cannot fill a worker.
    # Generous, because a city hall of 100 leaders may come through one NAT'd address, each
    # with a peer connection; still at most half a worker's places at the defaults.
    max_peers_per_address: int = 100
    # A media session whose ICE and DTLS have not connected this long after its offer ends.
    ice_connect_timeout_s: float = 20.0
    # A room with more voices than this forwards only this many at once, the loudest speaking.
    loudest_voices: int = 4
    # Send each subscriber only the videos its link carries (its RTCP loss reports and REMB).
    fit_video_to_links: bool = True
    # Browsers send their camera in three sizes (simulcast); each subscriber gets the one its
    # tile and its link call for. Off by default while it is new.
    media_simulcast: bool = False
    # A workshop of this many members or more asks each camera to stay under
    # `gallery_camera_bps` (a gallery tile's picture); 0: never.
    gallery_from: int = 6
    gallery_camera_bps: int = 600_000
    # The most videos one client's `media_view` may ask for.
    max_view_videos: int = 25
    # With Redis: how long a worker waits for the worker that serves a room's media to answer
    # a media message forwarded to it, before the client gets `media_unavailable`.
    media_timeout_s: float = 5.0
    # With Redis: the sessions of one room a worker serves before the room spreads to another
    # worker (about what one core carries in a plenary, ~0.7 % of a core per viewer), and the
    # UDP address of this worker's end of the media pipe that feeds those workers
    # (`server.sfu.pipe`): an address of this machine the other workers reach (port 0: any).
    media_room_share: int = 120
    media_pipe_address: str = "127.0.0.1:0"
    # The organiser's invitees (`server.web.invitees`): the most a meeting may have, and the
    # largest CSV one import may send; their names and details have the meeting's limits.
    max_invitees: int = 2000
    max_invitees_csv_bytes: int = 1024 * 1024
    # The time zone of the times in the record's CSV and minutes (an IANA name).
    record_time_zone: str = "Europe/Warsaw"
    meeting: MeetingConfig = field(default_factory=MeetingConfig)

    def __post_init__(self) -> None:
        if not self.public_url:
            host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
            object.__setattr__(self, "public_url", f"http://{host}:{self.port}")
        self.media_settings()  # a bad media setting stops the start, not the first call
        trusted_networks(self.trusted_proxies)
        self.origins()
        if self.handshake_timeout_s <= 0:
            raise ValueError("PLENUM_HANDSHAKE_TIMEOUT_S must be more than 0")
        if self.organiser_password and len(self.organiser_password) < MIN_ORGANISER_PASSWORD:
            raise ValueError(
                f"PLENUM_ORGANISER_PASSWORD: at least {MIN_ORGANISER_PASSWORD} characters"
                " (anyone who reaches the server may try it)"
            )
        if self.organiser_session_s < 1:
            raise ValueError(f"PLENUM_ORGANISER_SESSION_S={self.organiser_session_s}: at least 1")
        if self.sign_in_attempts < 1 or self.sign_in_window_s <= 0:
            raise ValueError(
                f"PLENUM_SIGN_IN_ATTEMPTS={self.sign_in_attempts} per PLENUM_SIGN_IN_WINDOW_S="
                f"{self.sign_in_window_s}: at least 1 attempt in a window of more than 0 s"
            )
        if self.redis_pool < 2:
            raise ValueError(
                f"PLENUM_REDIS_POOL={self.redis_pool}: at least 2 (pub/sub holds one connection)"
            )
        if self.store not in STORES:
            raise ValueError(f"PLENUM_STORE={self.store}: expected one of {', '.join(STORES)}")
        if self.sqlite_sync not in SQLITE_SYNCS:
            raise ValueError(
                f"PLENUM_SQLITE_SYNC={self.sqlite_sync}: expected one of {', '.join(SQLITE_SYNCS)}"
            )
        if self.snapshot_every < 1:
            raise ValueError(f"PLENUM_SNAPSHOT_EVERY={self.snapshot_every}: at least 1")
        if self.redis_pool_wait_s <= 0:
            raise ValueError(f"PLENUM_REDIS_POOL_WAIT_S={self.redis_pool_wait_s}: must be > 0")
        self.record_zone()
        if self.media_room_share < 1:
            raise ValueError(f"PLENUM_MEDIA_ROOM_SHARE={self.media_room_share}: at least 1")
        self.pipe_address()
        # An `edit_notes` of notes at the limit must fit in one frame, whatever its characters
        # (up to 4 bytes each in UTF-8), or the socket is closed (1009) and the edit lost.
        notes_frame = self.meeting.max_notes_chars * 4 + NOTES_FRAME_OVERHEAD
        if notes_frame > self.max_frame_bytes:
            raise ValueError(
                f"PLENUM_MAX_NOTES_CHARS={self.meeting.max_notes_chars} does not fit in"
                f" PLENUM_MAX_FRAME_BYTES={self.max_frame_bytes}: an edit of that many characters"
                f" takes up to {notes_frame} bytes (4 per character, and the message around them)"
            )

    def record_zone(self) -> tzinfo:
        try:
            return ZoneInfo(self.record_time_zone)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise ValueError(
                f"PLENUM_RECORD_TIME_ZONE={self.record_time_zone!r}: no such time zone"
                " (an IANA name such as Europe/Warsaw)"
            ) from exc

    def origins(self) -> frozenset[str]:
        """The origins whose pages may open the WebSocket: `public_url`'s and `allowed_origins`'."""
        found = {origin_of(self.public_url, "PLENUM_PUBLIC_URL")}
        public = urlsplit(self.public_url)
        if public.hostname and _is_loopback(public.hostname):
            # A page on this machine, opened as localhost or as 127.0.0.1 alike.
            port = f":{public.port}" if public.port else ""
            for alias in ("localhost", "127.0.0.1", "[::1]"):
                found.add(origin_of(f"{public.scheme}://{alias}{port}"))
        for url in self.allowed_origins.split(","):
            if url.strip():
                found.add(origin_of(url.strip(), "PLENUM_ALLOWED_ORIGINS"))
        return frozenset(found)

    def pipe_address(self) -> tuple[str, int]:
        """Where this worker's end of the media pipe listens, as `media_pipe_address` says."""
        name = "PLENUM_MEDIA_PIPE_ADDRESS"
        host, _, port = self.media_pipe_address.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        try:
            address = ipaddress.ip_address(host)
            number = int(port)
        except ValueError as exc:
            raise ValueError(
                f"{name}={self.media_pipe_address!r}: expected an IP address and a port,"
                " as 127.0.0.1:0"
            ) from exc
        if address.is_unspecified:
            # Other workers send to the address published, so it must be one they can reach.
            raise ValueError(f"{name}={self.media_pipe_address!r}: name one address, not any")
        if not 0 <= number <= 65535:
            raise ValueError(f"{name}={self.media_pipe_address!r}: the port must be 0 to 65535")
        return str(address), number

    def media_settings(self) -> MediaSettings:
        addresses = [a.strip() for a in self.ice_host_addresses.split(",") if a.strip()]
        if not self.ice_host_addresses and _is_loopback(self.host):
            addresses = ["127.0.0.1"]
        for address in addresses:
            try:
                ipaddress.ip_address(address)
            except ValueError as exc:
                raise ValueError(f"PLENUM_ICE_HOST_ADDRESSES: {address!r} is no IP") from exc
        return MediaSettings(
            ice_host_addresses=tuple(addresses),
            ice_servers=_ice_servers(self.ice_servers),
            max_publishers_per_room=self.max_publishers_per_room,
            max_peers_per_worker=self.max_peers_per_worker,
            max_peers_per_address=self.max_peers_per_address,
            ice_connect_timeout_s=self.ice_connect_timeout_s,
            max_view_videos=self.max_view_videos,
            loudest_voices=self.loudest_voices,
            fit_video_to_links=self.fit_video_to_links,
            simulcast=self.media_simulcast,
            gallery_from=self.gallery_from,
            gallery_camera_bps=self.gallery_camera_bps,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read `PORT`, `HOST`, `REDIS_URL` and every other field as `PLENUM_<FIELD>` (upper case).

        The meeting's limits are `PLENUM_<FIELD>` too, e.g. `PLENUM_MAX_CHAT_CHARS`,
        `PLENUM_WARNING_S`, `PLENUM_GRACE_S`.
        """
        env = os.environ if env is None else env
        values = _read(cls, env, {"host": "HOST", "port": "PORT", "redis_url": "REDIS_URL"})
        if values.get("redis_url"):
            # Every worker must sign and check tokens alike, or a link works on some only.
            missing = [k for k in ("secret", "admin_token") if k not in values]
            if missing:
                names = " and ".join(f"PLENUM_{k.upper()}" for k in missing)
                raise ValueError(f"{names} must be set when REDIS_URL is")
        meeting = _read(MeetingConfig, env, {})
        return cls(meeting=MeetingConfig(**meeting), **values)


def _read(cls: type, env: Mapping[str, str], plain_names: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "meeting":
            continue
        name = f"PLENUM_{f.name.upper()}"
        raw = env.get(name, env.get(plain_names.get(f.name, name)))
        if raw is None or raw == "":
            continue
        kind = f.type if isinstance(f.type, type) else type(f.default)
        try:
            values[f.name] = _switch(raw) if kind is bool else kind(raw)
        except ValueError as exc:
            raise ValueError(f"{name}={raw!r}: expected {kind.__name__}") from exc
    return values


def _switch(raw: str) -> bool:
    words = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}
    if raw.lower() not in words:
        raise ValueError("expected on or off")
    return words[raw.lower()]


def origin_of(url: str, setting: str = "origin") -> str:
    """`scheme://host[:port]` of a URL, as a browser writes it in `Origin` (no default port)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{setting}: {url!r} has a bad port") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{setting}: {url!r} is no http(s) URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ice_servers(raw: str) -> tuple[IceServer, ...]:
    try:
        return tuple(_read_ice_servers(raw.strip()))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"PLENUM_ICE_SERVERS: {exc}") from exc


def _read_ice_servers(raw: str) -> list[IceServer]:
    if not raw.startswith("["):
        return [IceServer((url.strip(),)) for url in raw.split(",") if url.strip()]
    servers = []
    for item in json.loads(raw):
        urls = item["urls"]
        servers.append(
            IceServer(
                (urls,) if isinstance(urls, str) else tuple(urls),
                item.get("username"),
                item.get("credential"),
            )
        )
    return servers
