"""The Redis connection pools' settings: read from the environment, refused when unusable."""

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
