"""Which tests stay together when ./scripts/test runs the suite in parallel (pytest-xdist).

`--dist loadgroup` hands tests out one at a time, except those in one `xdist_group`, which go to
one worker. A test using a fixture of the suite's own wider than itself (a module's Chromium and
Plenum, say) is put in the group of that fixture's widest scope, so the fixture is built once, not
once per worker. Plugins' wide fixtures (pytest's tmp_path_factory) are cheap and share nothing.
"""

import pytest

# Widest first: a test sharing a session fixture and a module fixture goes with the session's.
SCOPES = ("session", "package", "module", "class")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = shared_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def shared_fixture_group(item: pytest.Item) -> str | None:
    if not isinstance(item, pytest.Function):
        return None
    scopes = {
        definitions[-1].scope
        for definitions in item._fixtureinfo.name2fixturedefs.values()
        if definitions and definitions[-1].func.__module__.startswith("tests.")
    }
    widest = next((scope for scope in SCOPES if scope in scopes), None)
    if widest is None:
        return None
    module = item.module.__name__ if item.module is not None else item.nodeid
    if widest == "session":
        return "session"
    if widest == "package":
        return module.rpartition(".")[0]
    if widest == "module" or item.cls is None:
        return module
    return f"{module}.{item.cls.__name__}"
