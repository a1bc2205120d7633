from collections.abc import AsyncIterator

import pytest

from .clients import Forum


@pytest.fixture
async def forum() -> AsyncIterator[Forum]:
    forum = Forum()
    try:
        yield forum
    finally:
        await forum.aclose()
