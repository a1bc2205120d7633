"""A real Plenum process and Debian's Chromium with a fake camera and microphone."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Playwright, expect, sync_playwright

from tests.e2e.conftest import start_server  # noqa: F401  (the real-process fixture)
from tests.harness.processes import ServerProcess, StartServer, servers, start_plenum
from tests.harness.shaped import ShapedLink

from .person import TIMEOUT_MS

CHROMIUM = "/usr/bin/chromium"
# ../shared/WEBRTC-NOTES.md: loopback candidates need the first flag; the fake devices need no
# camera and no permission prompt.
CHROMIUM_ARGS = [
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

Serve = Callable[..., ServerProcess]

# An assertion waits as long as a page action does. Playwright's own 5 s was once too short for a
# fresh Chromium's first page (its modules and the invitation) while the suite loads both cores.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def serve(start_server: StartServer) -> Serve:  # noqa: F811
    """Start Plenum with extra environment settings, e.g. serve(PLENUM_MEDIA="off"), on `port`
    or a free one."""

    def start(port: int | None = None, **env: str) -> ServerProcess:
        return start_plenum(start_server, port=port, **env)

    return start


def launch(playwright: Playwright, executable: str = CHROMIUM, args: Sequence[str] = ()) -> Browser:
    """Chromium with the flags above and `args`; `executable` may be a wrapper that starts it
    elsewhere (in a network namespace, say)."""
    return playwright.chromium.launch(executable_path=executable, args=[*CHROMIUM_ARGS, *args])


@contextmanager
def browsers_beside(link: ShapedLink, server: ServerProcess) -> Iterator[tuple[Browser, Browser]]:
    """Two Chromiums for pages of `server` on `link`'s outer address: one on this machine's own
    network, one inside the link's namespace."""
    # A page from http://10.77.N.1 is no secure origin: without this, no getUserMedia.
    secure = [f"--unsafely-treat-insecure-origin-as-secure={server.base_url}"]
    with sync_playwright() as playwright:
        yield launch(playwright, CHROMIUM, secure), launch(playwright, str(link.chromium), secure)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def module_server() -> Iterator[ServerProcess]:
    """One Plenum for the cases of a module that may share it (each in a meeting of its own)."""
    with servers() as start:
        yield start_plenum(start)


@pytest.fixture(scope="module")
def module_server_no_media() -> Iterator[ServerProcess]:
    """One Plenum with media off for the cases of a module that may share it (each in a meeting
    of its own): starting one costs about a second a case."""
    with servers() as start:
        yield start_plenum(start, PLENUM_MEDIA="off")


@pytest.fixture(scope="module")
def module_browser() -> Iterator[Browser]:
    """One Chromium for the cases of a module; each case opens its own contexts."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def browser(module_browser: Browser) -> Iterator[Browser]:
    """The module's Chromium (starting one costs a second or more a case), with the contexts the
    case opened closed after it: the next case starts with nothing stored, and no page of this
    one goes on running (and reconnecting) beside it."""
    before = {id(context) for context in module_browser.contexts}
    yield module_browser
    for context in module_browser.contexts:
        if id(context) not in before:
            context.close()
