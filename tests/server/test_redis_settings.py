"""The settings of Redis mode (its connection pools, how a room's media spreads over workers):
read from the environment, refused when unusable."""

import pytest

from server.settings import Settings


def test_the_pool_settings_are_read() -> None:
    settings = Settings.from_env({"PLENUM_REDIS_POOL": "20", "PLENUM_REDIS_POOL_WAIT_S": "2.5"})
    assert (settings.redis_pool, settings.redis_pool_wait_s) == (20, 2.5)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PLENUM_REDIS_POOL", "1", "PLENUM_REDIS_POOL=1: at least 2"),
        ("PLENUM_REDIS_POOL", "many", "PLENUM_REDIS_POOL='many': expected int"),
        ("PLENUM_REDIS_POOL_WAIT_S", "0", "PLENUM_REDIS_POOL_WAIT_S=0"),
    ],
)
def test_an_unusable_pool_setting_stops_the_start(name: str, value: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Settings.from_env({name: value})


def test_the_spreading_settings_are_read() -> None:
    settings = Settings.from_env(
        {"PLENUM_MEDIA_ROOM_SHARE": "2", "PLENUM_MEDIA_PIPE_ADDRESS": "[::1]:7000"}
    )
    assert settings.media_room_share == 2
    assert settings.pipe_address() == ("::1", 7000)
    assert Settings().pipe_address() == ("127.0.0.1", 0)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PLENUM_MEDIA_ROOM_SHARE", "0", "PLENUM_MEDIA_ROOM_SHARE=0: at least 1"),
        ("PLENUM_MEDIA_PIPE_ADDRESS", "localhost:0", "expected an IP address and a port"),
        ("PLENUM_MEDIA_PIPE_ADDRESS", "127.0.0.1", "expected an IP address and a port"),
        ("PLENUM_MEDIA_PIPE_ADDRESS", "0.0.0.0:7000", "name one address, not any"),
        ("PLENUM_MEDIA_PIPE_ADDRESS", "127.0.0.1:70000", "the port must be 0 to 65535"),
    ],
)
def test_an_unusable_spreading_setting_stops_the_start(name: str, value: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Settings.from_env({name: value})
