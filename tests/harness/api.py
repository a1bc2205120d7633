"""Plenum's HTTP API from outside its process: a meeting made as an organiser makes one, and
whether the server answers yet."""

import json
import urllib.error
import urllib.request

REQUEST_TIMEOUT_S = 10.0
# Loopback only: no proxy from the environment between the rig and its own server.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def create_meeting(base_url: str, title: str, admin_token: str) -> dict[str, str]:
    """POST /api/meetings; returns the meeting's id, links and tokens."""
    request = urllib.request.Request(
        f"{base_url}/api/meetings",
        data=json.dumps({"title": title}).encode(),
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _LOOPBACK.open(request, timeout=REQUEST_TIMEOUT_S) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as refused:
        status, body = refused.code, refused.read()
    assert status == 201, body.decode(errors="replace")
    created: dict[str, str] = json.loads(body)
    return created


def answers_healthy(base_url: str) -> bool:
    """Whether GET /healthz answers 200 now (False while the server is not listening yet)."""
    try:
        with _LOOPBACK.open(f"{base_url}/healthz", timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
