"""What every edge of the server shares: its settings, its meetings and their ballot boxes, its
signer, its clock."""

import time
from dataclasses import dataclass, field

from server.addresses import AddressLimits, Network, trusted_networks
from server.clock import Clock
from server.implementations import Implementations, choose
from server.meetings.ballot_box import BallotBox
from server.meetings.hub import Hub, MeetingHandle
from server.rtc.bridge import MediaBridge
from server.rtc.router import MediaRouter
from server.settings import Settings
from server.tokens import Grant, Kind, Signer


@dataclass(frozen=True)
class MeetingLinks:
    moderator_token: str
    invite_token: str
    moderator_link: str
    invite_link: str


@dataclass
class Services:
    settings: Settings
    clock: Clock = time.time
    hub: Hub = field(init=False)
    # Where secret polls' choices are kept, apart from the meeting (chosen with the hub).
    ballot_box: BallotBox = field(init=False)
    signer: Signer = field(init=False)
    # This worker's media: None when the settings turn it off.
    media: MediaBridge | None = field(init=False)
    # Where media signalling goes: this worker's bridge, or with Redis the room's media worker.
    media_router: MediaRouter | None = field(init=False, default=None)
    # The sockets and message rate of each client address, and whose X-Forwarded-For to trust.
    addresses: AddressLimits = field(init=False)
    trusted_proxies: tuple[Network, ...] = field(init=False)
    _chosen: Implementations = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.signer = Signer(self.settings.secret)
        self.addresses = AddressLimits(
            self.settings.max_sockets_per_address,
            self.settings.address_messages_per_s,
            self.settings.address_message_burst,
        )
        self.trusted_proxies = trusted_networks(self.settings.trusted_proxies)
        self.media = MediaBridge(self.settings.media_settings()) if self.settings.media else None
        self._chosen = choose(self.settings, self.clock, self.media)
        self.hub = self._chosen.hub
        self.ballot_box = self._chosen.ballot_box
        self.media_router = self._chosen.media_router

    async def start(self) -> None:
        """Start the hub and the media router, after what they stand on (with Redis, this
        worker's presence there); `stop` stops them in the reverse order."""
        await self._chosen.start()

    async def stop(self) -> None:
        await self._chosen.stop()

    def links(self, live: MeetingHandle) -> MeetingLinks:
        expires_at = self.clock() + self.settings.token_ttl_s
        meeting = live.meeting.state.id
        moderator = self.signer.issue(Grant(Kind.MODERATOR, meeting, expires_at))
        invite = self.signer.issue(Grant(Kind.INVITE, meeting, expires_at))
        # The token rides in the fragment, which browsers never send to a server or its logs.
        base = self.settings.public_url.rstrip("/")
        return MeetingLinks(moderator, invite, f"{base}/#{moderator}", f"{base}/#{invite}")
