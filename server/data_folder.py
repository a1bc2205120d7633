"""The embedded server's data folder: what `plenum serve` keeps across restarts, readable by its
owner only: the secret that signs links, the admin token, which meeting is the demo meeting, and
(`server.sqlite`) the meetings' store."""

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret"
ADMIN_TOKEN_FILE = "admin-token"
# The id of the meeting `plenum serve` made at start, so a restart opens it again, not another.
DEMO_MEETING_FILE = "demo-meeting"
OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600


def default_path() -> Path:
    """`$XDG_DATA_HOME/plenum`, else `~/.local/share/plenum`."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "plenum"


def kept_token(folder: Path, name: str) -> str:
    """The token kept in `folder/name`, made (owner-only) on first use."""
    folder.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    path = folder / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    except FileExistsError:
        return _read(path)
    token = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    return token


def remembered(folder: Path, name: str) -> str | None:
    """What `remember` kept in `folder/name`, or None if nothing is."""
    try:
        return (folder / name).read_text("utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def remember(folder: Path, name: str, value: str) -> None:
    """Keep `value` in `folder/name` (owner-only), whole or not at all."""
    folder.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    written = folder / f".{name}.new"
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(value + "\n")
    os.replace(written, folder / name)


def holds(folder: Path, name: str, token: str) -> bool:
    """Whether `folder/name` is where `token` came from."""
    try:
        return (folder / name).read_text("utf-8").strip() == token
    except OSError:
        return False


def _read(path: Path) -> str:
    # A token others can read lets them create meetings or forge links: refuse to use it.
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} is readable by others: chmod 600 {path}")
    token = path.read_text("utf-8").strip()
    if not token:
        raise ValueError(f"{path} is empty: delete it and a new token is made at start")
    return token
