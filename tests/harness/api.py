"""Plenum's HTTP API from outside its process: a meeting made as an organiser makes one, its
agenda set, a role's link reissued, meetings read and deleted, a person's contacts directory,
and whether the server answers yet."""

import json
import urllib.error
import urllib.request
from typing import Any

REQUEST_TIMEOUT_S = 10.0
# Loopback only: no proxy from the environment between the rig and its own server.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def create_meeting(
    base_url: str, title: str, admin_token: str, **more: Any
) -> dict[str, str]:
    """POST /api/meetings (with `more` fields: `ends_at`, ...); returns the meeting's id, links
    and tokens."""
    body = {"title": title, **more}
    created: dict[str, str] = _as_organiser(
        "POST", f"{base_url}/api/meetings", body, admin_token, expect=201
    )
    return created


def edit_meeting(
    base_url: str, meeting: str, admin_token: str, **fields: Any
) -> dict[str, Any]:
    """PATCH /api/meetings/{meeting}: its title, start or end; returns the meeting now."""
    url = f"{base_url}/api/meetings/{meeting}"
    edited: dict[str, Any] = _as_organiser("PATCH", url, fields, admin_token)
    return edited


def set_agenda(
    base_url: str, meeting: str, agenda: list[dict[str, Any]], admin_token: str
) -> dict[str, Any]:
    """PUT /api/meetings/{meeting}/agenda; returns the agenda as the meeting now has it."""
    url = f"{base_url}/api/meetings/{meeting}/agenda"
    replaced: dict[str, Any] = _as_organiser("PUT", url, {"agenda": agenda}, admin_token)
    return replaced


def reissue_link(base_url: str, meeting: str, role: str, admin_token: str) -> dict[str, Any]:
    """POST /api/meetings/{meeting}/links/{role}/reissue; returns the role's new link."""
    url = f"{base_url}/api/meetings/{meeting}/links/{role}/reissue"
    reissued: dict[str, Any] = _as_organiser("POST", url, {}, admin_token)
    return reissued


def as_organiser(method: str, base_url: str, path: str, admin_token: str) -> tuple[int, Any]:
    """`method` on `path` with the admin token and no body (a read, a delete): the status and
    the JSON answer (None for none)."""
    request = urllib.request.Request(
        f"{base_url}{path}", headers={"Authorization": f"Bearer {admin_token}"}, method=method
    )
    status, answer = _send(request)
    return status, json.loads(answer) if answer else None


def _as_organiser(
    method: str, url: str, body: dict[str, Any], admin_token: str, *, expect: int = 200
) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
        method=method,
    )
    status, answer = _send(request)
    assert status == expect, answer.decode(errors="replace")
    return json.loads(answer)


def contacts(
    base_url: str, meeting: str, token: str, method: str = "GET"
) -> tuple[int, Any]:
    """GET (or DELETE) /api/meetings/{meeting}/contacts with a person's contacts token: the
    status and the JSON answer (None for none)."""
    request = urllib.request.Request(
        f"{base_url}/api/meetings/{meeting}/contacts",
        headers={"Authorization": f"Bearer {token}"},
        method=method,
    )
    status, answer = _send(request)
    return status, json.loads(answer) if answer else None


def _send(request: urllib.request.Request) -> tuple[int, bytes]:
    """The status and body of the answer, a refusal's as well as a success's."""
    try:
        with _LOOPBACK.open(request, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def answers_healthy(base_url: str) -> bool:
    """Whether GET /healthz answers 200 now (False while the server is not listening yet)."""
    try:
        with _LOOPBACK.open(f"{base_url}/healthz", timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
