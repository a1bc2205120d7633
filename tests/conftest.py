"""Which tests stay together when ./scripts/test runs the suite in parallel (pytest-xdist).

`--dist loadgroup` hands tests out one at a time, except those in one `xdist_group`, which go to
one worker. A test using a fixture of the suite's own wider than itself (a module's Chromium and
Plenum, say) is put in the group of that fixture's widest scope, so the fixture is built once, not
once per worker. Plugins' wide fixtures (pytest's tmp_path_factory) are cheap and share nothing.

Tests driving Chromium run one at a time, on one worker, beside the rest: Chromium with a fake
camera is the heaviest thing the suite starts (a forum round drives five pages), and three at once
on the 2-core machine starved the servers they talk to past their start-up deadline.
"""

import pytest

CHROMIUM_FIXTURES = {"browser", "module_browser"}
# Widest first: a test sharing a session fixture and a module fixture goes with the session's.
SCOPES = ("session", "package", "module", "class")


# First: xdist's own hook, registered later and so called before ours, reads the marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def group_of(item: pytest.Item) -> str | None:
    if not isinstance(item, pytest.Function):
        return None
    if CHROMIUM_FIXTURES & set(item.fixturenames):
        return "chromium"
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
