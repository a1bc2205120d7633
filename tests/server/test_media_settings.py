"""The media settings as read from the environment: what a user gets without setting anything."""

import pytest

from server.settings import Settings
from server.sfu import IceServer


def test_media_is_on_and_offered_on_loopback_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.media is True
    media = settings.media_settings()
    assert media.ice_host_addresses == ("127.0.0.1",)
    assert media.ice_servers == ()


def test_listening_beyond_loopback_leaves_the_addresses_to_aioice() -> None:
    media = Settings.from_env({"HOST": "0.0.0.0"}).media_settings()
    assert media.ice_host_addresses == ()


def test_every_media_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            "PLENUM_MEDIA": "off",
            "PLENUM_ICE_HOST_ADDRESSES": "203.0.113.7, 2001:db8::7",
            "PLENUM_ICE_SERVERS": '[{"urls": "turn:turn.example.org", "username": "u", '
            '"credential": "c"}, {"urls": ["stun:a.example.org", "stun:b.example.org"]}]',
            "PLENUM_MAX_PUBLISHERS_PER_ROOM": "4",
            "PLENUM_MAX_PEERS_PER_WORKER": "9",
        }
    )
    assert settings.media is False
    media = settings.media_settings()
    assert media.ice_host_addresses == ("203.0.113.7", "2001:db8::7")
    assert media.ice_servers == (
        IceServer(("turn:turn.example.org",), "u", "c"),
        IceServer(("stun:a.example.org", "stun:b.example.org")),
    )
    assert (media.max_publishers_per_room, media.max_peers_per_worker) == (4, 9)


def test_ice_servers_may_be_plain_urls() -> None:
    media = Settings.from_env({"PLENUM_ICE_SERVERS": "stun:a.example.org,stun:b.example.org"})
    assert media.media_settings().ice_servers == (
        IceServer(("stun:a.example.org",)),
        IceServer(("stun:b.example.org",)),
    )


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PLENUM_MEDIA", "perhaps", "PLENUM_MEDIA"),
        ("PLENUM_ICE_HOST_ADDRESSES", "my-host", "PLENUM_ICE_HOST_ADDRESSES"),
        ("PLENUM_ICE_SERVERS", "http://not-ice.example.org", "PLENUM_ICE_SERVERS"),
        ("PLENUM_ICE_SERVERS", '[{"url": "stun:a.example.org"}]', "PLENUM_ICE_SERVERS"),
        ("PLENUM_MAX_PEERS_PER_WORKER", "0", "at least 1"),
    ],
)
def test_a_bad_media_setting_stops_the_start(name: str, value: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Settings.from_env({name: value})
