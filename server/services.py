"""What every edge of the server shares: its settings, its meetings and their ballot boxes, its
signer, its clock."""

import time
from dataclasses import dataclass, field

from rooms import Role
from server import links
from server.addresses import AddressLimits, Network, trusted_networks
from server.clock import Clock
from server.implementations import Implementations, choose
from server.meetings.ballot_box import BallotBox
from server.meetings.hub import Hub, MeetingHandle
from server.rtc.bridge import MediaBridge
from server.rtc.router import MediaRouter
from server.settings import Settings
from server.tokens import Signer


@dataclass(frozen=True)
class MeetingLinks:
    moderator_token: str
    presenter_token: str
    invite_token: str
    moderator_link: str
    presenter_link: str
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
        """The meeting's current link of each role (`server.links`)."""
        found = links.every_link(self.signer, self.settings, live.meeting.state, self.clock())
        moderator, presenter, invite = (
            found[role] for role in (Role.MODERATOR, Role.PRESENTER, Role.PARTICIPANT)
        )
        return MeetingLinks(
            moderator_token=moderator.token,
            presenter_token=presenter.token,
            invite_token=invite.token,
            moderator_link=moderator.link,
            presenter_link=presenter.link,
            invite_link=invite.link,
        )
