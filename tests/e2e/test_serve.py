"""`./scripts/serve` as an organiser runs it: it prints the links, where the organiser's page is
and how to sign in there, and where the admin token is; the `curl` command it prints creates a
meeting; the token, the meetings and their links survive a restart, which opens the same demo
meeting again; the organiser's page signs in with a cookie a cross-site form cannot use."""

import json
import stat
import subprocess
import time
from pathlib import Path

import httpx

from tests.harness.ports import free_port
from tests.harness.processes import START_TIMEOUT_S, ServerProcess, StartServer, server_env
from tests.harness.tree import ROOT


def serve_script(start_server: StartServer, data: Path) -> ServerProcess:
    """`./scripts/serve` with no secret and no admin token set, keeping them in `data`."""
    port = free_port()
    # This tree's code, whichever tree the venv's `plenum` was installed from (a worktree's).
    env = server_env(port, PLENUM_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    del env["PLENUM_SECRET"], env["PLENUM_ADMIN_TOKEN"]
    server = start_server([str(ROOT / "scripts" / "serve")], port, env)
    server.wait_healthy()
    return server


def announcement(server: ServerProcess) -> list[str]:
    """The lines the server printed from "Plenum is running" to the end of the curl command."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.next_line(deadline).startswith("Plenum is running"):
        pass
    lines: list[str] = []
    while not lines or not lines[-1].lstrip().startswith("-d "):
        lines.append(server.next_line(deadline).rstrip("\n"))
    return lines


def printed(lines: list[str], label: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in lines if line.strip().startswith(label))


def demo_tokens(lines: list[str]) -> list[str]:
    """The demo meeting's links' tokens (the port is a new one at each start)."""
    labels = ("moderator link", "presenter link", "participant link")
    return [printed(lines, label).rsplit("#", 1)[1] for label in labels]


def run_curl(lines: list[str]) -> dict[str, str]:
    """Runs the printed command as a person pasting it into a shell would."""
    command = "\n".join(lines[lines.index("  create a meeting:") + 1 :])
    assert command.lstrip().startswith("curl -X POST")
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True
    )
    created: dict[str, str] = json.loads(done.stdout)
    return created


def test_serve_prints_where_the_admin_token_is_and_a_curl_that_works(
    start_server: StartServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = serve_script(start_server, data)
    lines = announcement(server)
    token_file = data / "admin-token"
    assert printed(lines, "admin token") == f"in {token_file} (readable by you only)"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "secret").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    created = run_curl(lines)
    assert created["title"] == "Forum Dzielnicy Sośnica"
    invite = created["invite_token"]
    token = token_file.read_text().strip()
    demo = demo_tokens(lines)

    # A restart keeps the admin token, the secret and the meetings: the link still opens its
    # meeting, and the demo meeting is the same one, not one more.
    server.stop()
    again = serve_script(start_server, data)
    lines = announcement(again)
    assert token_file.read_text().strip() == token
    assert demo_tokens(lines) == demo
    assert stat.S_IMODE((data / "demo-meeting").stat().st_mode) == 0o600
    assert run_curl(lines)["title"] == "Forum Dzielnicy Sośnica"
    answer = httpx.get(
        f"{again.base_url}/api/invitation", headers={"Authorization": f"Bearer {invite}"}
    )
    assert (answer.status_code, answer.json()["title"]) == (200, "Forum Dzielnicy Sośnica")


def test_serve_says_where_the_organiser_signs_in_and_the_cookie_works_over_http(
    start_server: StartServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = serve_script(start_server, data)
    lines = announcement(server)
    assert printed(lines, "organiser's page") == f"{server.base_url}/organiser.html"
    assert printed(lines, "sign in with") == "the admin token"
    presenter = printed(lines, "presenter link").rsplit("#", 1)[1]
    invitation = httpx.get(
        f"{server.base_url}/api/invitation", headers={"Authorization": f"Bearer {presenter}"}
    )
    assert invitation.json()["role"] == "presenter"

    with httpx.Client(base_url=server.base_url, timeout=10) as browser:
        signed_in = browser.post(
            "/api/organiser/session", json={"password": (data / "admin-token").read_text().strip()}
        )
        assert signed_in.status_code == 200, signed_in.text
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        csrf = signed_in.json()["csrf"]
        form = {
            "Origin": "https://evil.example",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        cross_site = browser.post("/api/meetings", content=b"title=Forum", headers=form)
        no_header = browser.post("/api/meetings", json={"title": "Forum"})
        assert browser.get("/healthz").json()["meetings"] == 1
        created = browser.post(
            "/api/meetings",
            json={"title": "Forum"},
            headers={"Origin": server.base_url, "X-CSRF-Token": csrf},
        )
        assert browser.delete("/api/organiser/session").status_code == 204
        after = browser.get("/api/organiser/session")
    assert (cross_site.status_code, cross_site.json()["error"]) == (403, "csrf")
    assert (no_header.status_code, no_header.json()["error"]) == (403, "csrf")
    assert created.status_code == 201, created.text
    assert after.status_code == 401


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "admin-token").write_text("geheim\n")
    (data / "admin-token").chmod(0o644)
    port = free_port()
    env = server_env(port, PLENUM_DATA_DIR=str(data))
    del env["PLENUM_SECRET"], env["PLENUM_ADMIN_TOKEN"]
    done = subprocess.run(
        [str(ROOT / "scripts" / "serve")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    assert done.returncode == 2
    assert f"{data / 'admin-token'} is readable by others: chmod 600" in done.stderr
