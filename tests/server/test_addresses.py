"""Limits per client address: the sockets one address holds, and the message rate they share.

Behind a trusted proxy the address is the one the proxy names in `X-Forwarded-For`; anyone else's
header counts for nothing.
"""

import ipaddress

import pytest

from server.addresses import client_address, trusted_networks
from server.protocol.close_codes import CloseCode

from .conftest import ManualClock, Serve, ServedMeeting

HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.2"
PROXY = "10.0.0.1"


async def _refused_socket(served: ServedMeeting, address: str, **headers: str) -> int:
    """The close code a new socket from `address` gets before it can say anything."""
    client = await served.connect(address=address, headers=list(headers.items()))
    code, before = await client.closed()
    assert before == []
    return code


async def test_an_address_holds_at_most_its_sockets_and_gets_one_back_when_one_closes(
    serve: Serve,
) -> None:
    served = await serve(max_sockets_per_address=3)
    held = [(await served.join(f"Home {i}", address=HOME))[0] for i in range(3)]

    assert await _refused_socket(served, HOME) == CloseCode.TOO_MANY_SOCKETS
    # Another address is not held back by this one.
    await served.join("Elsewhere", address=ELSEWHERE)

    await held[0].disconnect()
    await served.join("Home again", address=HOME)
    assert served.services.addresses.sockets(HOME) == 3


async def test_the_sockets_of_an_address_share_one_message_rate(serve: Serve) -> None:
    clock = ManualClock()
    served = await serve(
        clock=clock, address_messages_per_s=1.0, address_message_burst=5, max_strikes=2
    )
    # Each hello spends one of the address's five messages.
    first, _ = await served.join("Ala", address=HOME)
    second, _ = await served.join("Bo", address=HOME)
    neighbour, _ = await served.join("Cy", address=ELSEWHERE)
    for _ in range(3):
        assert (await first.ask({"type": "react", "emoji": "👍"}))[-1]["type"] == "ok"

    for _ in range(4):
        await second.send({"type": "react", "emoji": "👍"})
        error = (await second.until("error"))[-1]
        assert error["code"] == "rate_limited"
        assert "address" in error["message"]
    # An answer to the server's own media offer is never held back by the neighbours' rate: it
    # reaches the media side (which here has no session for it).
    await second.send({"type": "media_answer", "sdp": "v=0"})
    assert (await second.until("error"))[-1]["code"] != "rate_limited"
    # Over the address's rate is not the socket's fault: it is not closed (max_strikes is 2).
    assert (await neighbour.ask({"type": "react", "emoji": "🎉"}))[-1]["type"] == "ok"
    clock.advance(1.0)
    assert (await second.ask({"type": "react", "emoji": "👏"}))[-1]["type"] == "ok"


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(serve: Serve) -> None:
    served = await serve(max_sockets_per_address=1, trusted_proxies=f"{PROXY},127.0.0.1")
    await served.join("Home", address=PROXY, headers=[("X-Forwarded-For", HOME)])
    await served.join("Elsewhere", address=PROXY, headers=[("X-Forwarded-For", ELSEWHERE)])

    assert await _refused_socket(served, PROXY, **{"X-Forwarded-For": HOME}) == 4010
    # What the client wrote itself stands left of what the proxy added, and is not believed.
    spoofed = {"X-Forwarded-For": f"192.0.2.99, {HOME}"}
    assert await _refused_socket(served, PROXY, **spoofed) == CloseCode.TOO_MANY_SOCKETS
    assert served.services.addresses.sockets(PROXY) == 0


async def test_a_client_s_own_header_line_is_not_believed_when_the_proxy_adds_another(
    serve: Serve,
) -> None:
    served = await serve(max_sockets_per_address=1, trusted_proxies=f"{PROXY},127.0.0.1")
    await served.join("Home", address=PROXY, headers=[("X-Forwarded-For", HOME)])
    # A proxy that adds its own line (HAProxy's `option forwardfor`) after the client's.
    two_lines = [("X-Forwarded-For", "192.0.2.99"), ("X-Forwarded-For", HOME)]
    client = await served.connect(address=PROXY, headers=two_lines)
    code, _ = await client.closed()

    assert code == CloseCode.TOO_MANY_SOCKETS


async def test_a_forwarded_header_from_an_untrusted_peer_counts_for_nothing(
    serve: Serve,
) -> None:
    served = await serve(max_sockets_per_address=1)
    await served.join("Home", address=HOME, headers=[("X-Forwarded-For", "192.0.2.1")])

    code = await _refused_socket(served, HOME, **{"X-Forwarded-For": "192.0.2.2"})

    assert code == CloseCode.TOO_MANY_SOCKETS


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        (HOME, None, HOME),
        (HOME, ELSEWHERE, HOME),
        (PROXY, None, PROXY),
        (PROXY, HOME, HOME),
        (PROXY, f"{ELSEWHERE}, {HOME}", HOME),
        (PROXY, f"{HOME}, 10.0.0.2", HOME),
        (PROXY, "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        (PROXY, " , ", PROXY),
        ("::1", "2001:db8::5", "2001:db8::/64"),
        # One home's /64 is one address; ports and mapped IPv4 are the address they carry.
        ("2001:db8:0:7::1", None, "2001:db8:0:7::/64"),
        ("2001:db8:0:7::ffff", None, "2001:db8:0:7::/64"),
        (PROXY, "[2001:db8::5]:443", "2001:db8::/64"),
        (PROXY, f"{HOME}:50123", HOME),
        ("::ffff:203.0.113.7", None, HOME),
        # A proxy on a Unix socket of this host: the connection has no peer address.
        ("", HOME, HOME),
    ],
)
def test_the_client_is_the_nearest_untrusted_hop(
    peer: str, forwarded_for: str | None, client: str
) -> None:
    trusted = trusted_networks("10.0.0.0/24, ::1")
    assert client_address(peer, forwarded_for, trusted) == client


def test_a_trusted_proxy_setting_that_is_no_address_stops_the_start() -> None:
    with pytest.raises(ValueError, match="PLENUM_TRUSTED_PROXIES"):
        trusted_networks("10.0.0.1, proxy.local")
    assert trusted_networks("") == ()
    assert trusted_networks("127.0.0.1,::1") == (
        ipaddress.ip_network("127.0.0.1"),
        ipaddress.ip_network("::1"),
    )
