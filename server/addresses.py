"""Who a connection comes from, and what one client address may hold in this worker.

One client must not be able to open thousands of sockets, or flood a meeting over many of them,
where each socket alone keeps within its own limits. So sockets are counted per client address,
and the messages of all the sockets of an address share one token bucket. Behind a reverse proxy
every socket comes from the proxy: the client's address is then read from `X-Forwarded-For`, but
only when the peer is a proxy the settings trust, since anyone else could write that header.

The counts are this worker's: with several workers behind a balancer, an address may hold up to
the limit on each.
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from server.ratelimit import TokenBucket

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """`PLENUM_TRUSTED_PROXIES`: comma-separated addresses or networks (`10.0.0.0/8`)."""
    networks = []
    for item in (part.strip() for part in setting.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"PLENUM_TRUSTED_PROXIES: {item!r} is no address or network") from exc
    return tuple(networks)


def client_address(peer: str, forwarded_for: str | None, trusted: Iterable[Network]) -> str:
    """The address a connection counts as: the peer's own, or, when the peer is a trusted proxy,
    the nearest address in `X-Forwarded-For` that is not one of the trusted proxies.

    Each proxy appends the address it was connected from, so the entries on the right were written
    by trusted proxies and the first untrusted one from the right is the client; whatever stands
    left of it the client may have written itself. A peer with no address is a proxy on a Unix
    socket of this host, and trusted. An IPv6 client counts as its /64, which one home or one
    phone holds whole and can pick any address of.
    """
    trusted = tuple(trusted)
    if not forwarded_for or not (peer == "" or _is_trusted(peer, trusted)):
        return _counted_as(peer)
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return _counted_as(hop)
    return _counted_as(hops[0] if hops else peer)


def address_of(connection: HTTPConnection, trusted: Iterable[Network]) -> str:
    """The address a WebSocket or an HTTP request counts as (`client_address`)."""
    peer = connection.client.host if connection.client is not None else ""
    # Every line of the header: a proxy may add its own line rather than append to the client's.
    forwarded_for = ", ".join(connection.headers.getlist("x-forwarded-for"))
    return client_address(peer, forwarded_for, trusted)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, `1.2.3.4:port` or `[2001:db8::1]:port`."""
    text = address.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _counted_as(address: str) -> str:
    ip = _parsed(address)
    if ip is None:
        return address[:64]  # not an address (a proxy's own token): counted as written
    if isinstance(ip, ipaddress.IPv6Address) and not ip.is_loopback:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    ip = _parsed(address)
    return ip is not None and any(ip in network for network in trusted)


@dataclass
class _Address:
    sockets: int
    bucket: TokenBucket | None


class AddressLimits:
    """Sockets open per client address, and the message rate the sockets of an address share.

    A limit of 0 turns it off (the test and benchmark harnesses, whose clients all come from
    127.0.0.1). An address is forgotten when its last socket closes, so memory follows the sockets.
    """

    def __init__(self, max_sockets: int, messages_per_s: float, burst: int) -> None:
        self._max_sockets = max_sockets
        self._messages_per_s = messages_per_s
        self._burst = burst
        self._open: dict[str, _Address] = {}

    def open(self, address: str, now: float) -> bool:
        """Count one more socket from `address`; False (and nothing counted) past the limit."""
        held = self._open.get(address)
        if held is None:
            bucket = None
            if self._messages_per_s > 0:
                bucket = TokenBucket(self._messages_per_s, self._burst, now)
            held = self._open[address] = _Address(0, bucket)
        if self._max_sockets and held.sockets >= self._max_sockets:
            return False
        held.sockets += 1
        return True

    def close(self, address: str) -> None:
        held = self._open.get(address)
        if held is None:
            return
        held.sockets -= 1
        if held.sockets <= 0:
            del self._open[address]

    def take(self, address: str, now: float) -> bool:
        """Spend one of the address's shared messages; False means it is over its rate."""
        held = self._open.get(address)
        if held is None or held.bucket is None:
            return True
        return held.bucket.take(now)

    def sockets(self, address: str) -> int:
        held = self._open.get(address)
        return held.sockets if held is not None else 0
