"""The organiser's sign-in (`server.web.organiser_session`): the admin token or the organiser's
password gives an HttpOnly, SameSite=Strict session cookie; sign-in attempts are limited per client
address; with the cookie a change needs the session's `X-CSRF-Token` and no page of another site,
so a cross-site form changes nothing; a forged, expired or signed-out session opens nothing."""

from dataclasses import replace
from typing import Any

import httpx2
import pytest

from server.app import create_app
from server.ratelimit import BucketPerKey
from server.services import Services
from server.settings import Settings
from server.web.organiser_session import COOKIE

from .conftest import ADMIN_TOKEN, ManualClock, Serve, ServedMeeting, api

PASSWORD = "Rada-Dzielnicy-2026"
SIGN_IN = "/api/organiser/session"
EVIL = "https://evil.example"


async def signed_in(http: httpx2.AsyncClient, password: str = ADMIN_TOKEN) -> str:
    """Signs `http` in (its cookie jar keeps the cookie); the session's CSRF token."""
    response = await http.post(SIGN_IN, json={"password": password})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf"]
    return csrf


async def meetings_held(http: httpx2.AsyncClient) -> int:
    held: int = (await http.get("/healthz")).json()["meetings"]
    return held


def cookie_attributes(response: httpx2.Response) -> set[str]:
    """The attributes of the session's `Set-Cookie`, lower case, without the value."""
    header = next(v for v in response.headers.get_list("set-cookie") if v.startswith(COOKIE))
    return {part.strip().lower() for part in header.split(";")[1:]}


async def test_the_admin_token_signs_in_with_an_httponly_strict_cookie(
    meeting: ServedMeeting,
) -> None:
    async with api(meeting.app) as http:
        response = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN})
        assert response.status_code == 200, response.text
        attributes = cookie_attributes(response)
        again = await http.get(SIGN_IN)
    assert {"httponly", "samesite=strict", "path=/", "max-age=43200"} <= attributes
    assert "secure" not in attributes  # served over plain http here
    assert response.headers["cache-control"] == "no-store"
    assert again.status_code == 200
    assert again.json()["csrf"] == response.json()["csrf"]


async def test_the_cookie_is_secure_when_the_public_url_is_https(serve: Serve) -> None:
    meeting = await serve(public_url="https://forum.example.org")
    async with api(meeting.app) as http:
        response = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN})
    assert response.status_code == 200
    assert "secure" in cookie_attributes(response)


async def test_the_organiser_s_password_signs_in_too(serve: Serve) -> None:
    meeting = await serve(organiser_password=PASSWORD)
    async with api(meeting.app) as http:
        csrf = await signed_in(http, PASSWORD)
        created = await http.post(
            "/api/meetings", json={"title": "Forum"}, headers={"X-CSRF-Token": csrf}
        )
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("password", ["", "not-the-password", ADMIN_TOKEN + " "])
async def test_a_wrong_password_is_401_and_sets_no_cookie(
    meeting: ServedMeeting, password: str
) -> None:
    # No organiser's password is set: an empty one must not match the empty setting.
    async with api(meeting.app) as http:
        response = await http.post(SIGN_IN, json={"password": password})
        after = await http.get(SIGN_IN)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "set-cookie" not in response.headers
    assert after.status_code == 401


@pytest.mark.parametrize(
    "content",
    [b"", b"password=x", b"[1]", b'{"password": 42}', b'{"pass": "x"}', b"{" * 5000, b"[" * 4000],
    ids=["empty", "a form", "a list", "not a string", "no password", "too long", "too deep"],
)
async def test_a_malformed_sign_in_is_400_naming_what_is_wrong(
    meeting: ServedMeeting, content: bytes
) -> None:
    async with api(meeting.app) as http:
        response = await http.post(SIGN_IN, content=content)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "set-cookie" not in response.headers


async def test_too_many_attempts_are_429_even_with_the_right_password_until_the_window_passes(
    serve: Serve,
) -> None:
    clock = ManualClock()
    meeting = await serve(clock=clock, sign_in_attempts=3, sign_in_window_s=60.0)
    guesser = {"X-Forwarded-For": "203.0.113.7"}
    async with api(meeting.app) as http:
        for _ in range(3):
            wrong = await http.post(SIGN_IN, json={"password": "guess"}, headers=guesser)
            assert wrong.status_code == 401
        refused = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN}, headers=guesser)
        # Another address is not held back by this one's attempts.
        elsewhere = await http.post(
            SIGN_IN, json={"password": ADMIN_TOKEN}, headers={"X-Forwarded-For": "198.51.100.2"}
        )
        http.cookies.clear()
        clock.advance(19.0)
        still = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN}, headers=guesser)
        clock.advance(1.5)
        later = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN}, headers=guesser)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert "PLENUM_SIGN_IN_ATTEMPTS" in refused.json()["message"]
    assert refused.headers["retry-after"] == "20"  # one attempt back every 60 s / 3
    assert "set-cookie" not in refused.headers
    assert elsewhere.status_code == 200
    assert (still.status_code, still.headers["retry-after"]) == (429, "1")
    assert later.status_code == 200


async def test_a_change_by_cookie_needs_the_session_s_csrf_token(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        csrf = await signed_in(http)
        bare = await http.post("/api/meetings", json={"title": "Forum"})
        wrong = await http.post(
            "/api/meetings", json={"title": "Forum"}, headers={"X-CSRF-Token": csrf[:-2] + "xx"}
        )
        assert await meetings_held(http) == 1
        right = await http.post(
            "/api/meetings", json={"title": "Forum"}, headers={"X-CSRF-Token": csrf}
        )
        assert await meetings_held(http) == 2
        # Reading needs no CSRF token: a page of another site cannot read the answer.
        links = await http.get(f"/api/meetings/{meeting.id}/links")
    for refused in (bare, wrong):
        assert refused.status_code == 403
        assert refused.json()["error"] == "csrf"
        assert "X-CSRF-Token" in refused.json()["message"]
    assert right.status_code == 201, right.text
    assert links.status_code == 200


async def test_a_cross_site_form_post_is_refused_and_changes_nothing(
    meeting: ServedMeeting,
) -> None:
    async with api(meeting.app) as http:
        csrf = await signed_in(http)
        form = {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}
        posted = await http.post("/api/meetings", content=b"title=Forum", headers=form)
        # Even a page that somehow had the token: another site's page may not use the cookie.
        with_token = await http.post(
            "/api/meetings", json={"title": "Forum"}, headers={"Origin": EVIL, "X-CSRF-Token": csrf}
        )
        renamed = await http.patch(
            f"/api/meetings/{meeting.id}", content=b"title=Hacked", headers=form
        )
        # A sign-in from another site's page (a login CSRF) is refused too.
        login = await http.post(SIGN_IN, json={"password": ADMIN_TOKEN}, headers={"Origin": EVIL})
        ours = await http.post(
            "/api/meetings",
            json={"title": "Forum"},
            headers={"Origin": "http://127.0.0.1:8000", "X-CSRF-Token": csrf},
        )
        held = await meetings_held(http)
    for refused in (posted, with_token, renamed, login):
        assert refused.status_code == 403
        assert refused.json()["error"] == "csrf"
    assert meeting.live.meeting.state.title == "Town hall"
    assert ours.status_code == 201
    assert held == 2


async def test_signing_out_ends_the_session(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        csrf = await signed_in(http)
        out = await http.delete(SIGN_IN)
        after = await http.get(SIGN_IN)
        create = await http.post(
            "/api/meetings", json={"title": "Forum"}, headers={"X-CSRF-Token": csrf}
        )
        held = await meetings_held(http)
    assert out.status_code == 204
    assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert after.status_code == 401
    assert create.status_code == 401
    assert held == 1


def forged(cookie: str) -> dict[str, str]:
    session, expiry, mac = cookie.split(".")
    return {
        "garbage": "not-a-session",
        "empty": "",
        "another mac": f"{session}.{expiry}.{mac[:-3]}abc",
        "a later expiry": f"{session}.{int(expiry) + 3600}.{mac}",
        "another session": f"x{session}.{expiry}.{mac}",
        "a huge expiry": f"{session}.{'9' * 5000}.{mac}",
        "non-ascii digits": f"{session}.{chr(0x661) * 10}.{mac}",  # Arabic-Indic: isdigit()
    }


async def test_a_forged_or_expired_cookie_is_401(serve: Serve) -> None:
    clock = ManualClock()
    meeting = await serve(clock=clock, organiser_session_s=600)
    async with api(meeting.app) as http:
        await signed_in(http)
        cookie = http.cookies[COOKIE]
        http.cookies.clear()
        for name, value in forged(cookie).items():
            sent = {b"Cookie": f"{COOKIE}={value}".encode()}
            answer = await http.get(f"/api/meetings/{meeting.id}/links", headers=sent)
            assert answer.status_code == 401, name
            assert answer.json()["error"] == "unauthorized", name
        ours = {"Cookie": f"{COOKIE}={cookie}"}
        assert (await http.get(SIGN_IN, headers=ours)).status_code == 200
        clock.advance(601)
        expired = await http.get(f"/api/meetings/{meeting.id}/links", headers=ours)
        session = await http.get(SIGN_IN, headers=ours)
    assert expired.status_code == 401
    assert "sign in again" in expired.json()["message"]
    assert session.status_code == 401


async def test_a_new_admin_token_ends_every_session(meeting: ServedMeeting) -> None:
    settings = replace(meeting.services.settings, admin_token="a-new-admin-token")
    restarted = create_app(services=Services(settings))
    async with api(meeting.app) as http:
        await signed_in(http)
        cookie = http.cookies[COOKIE]
    async with api(restarted) as http:
        answer = await http.get(SIGN_IN, headers={"Cookie": f"{COOKIE}={cookie}"})
    await restarted.state.services.hub.stop()
    assert answer.status_code == 401


async def test_a_wrong_bearer_is_judged_alone_whatever_the_cookie(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        csrf = await signed_in(http)
        answer = await http.post(
            "/api/meetings",
            json={"title": "Forum"},
            headers={"X-CSRF-Token": csrf, "Authorization": "Bearer not-the-admin-token"},
        )
    assert answer.status_code == 401


async def test_the_invitees_and_the_record_take_the_session_too(meeting: ServedMeeting) -> None:
    csv = "name,district\r\nAnna Nowak,Sośnica\r\n".encode()
    invitees = f"/api/meetings/{meeting.id}/invitees"
    async with api(meeting.app) as http:
        csrf = await signed_in(http)
        bare = await http.post(invitees, content=csv, headers={"content-type": "text/csv"})
        listed: dict[str, Any] = (await http.get(invitees)).json()
        assert listed["invitees"] == []
        imported = await http.post(
            invitees, content=csv, headers={"content-type": "text/csv", "X-CSRF-Token": csrf}
        )
        record = await http.get(f"/api/meetings/{meeting.id}/record.json")
        http.cookies.clear()
        nobody = await http.get(f"/api/meetings/{meeting.id}/record.json")
    assert (bare.status_code, bare.json()["error"]) == (403, "csrf")
    assert imported.status_code == 201, imported.text
    assert record.status_code == 200
    assert record.json()["title"] == "Town hall"
    assert nobody.status_code == 401


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"organiser_password": "short"}, "PLENUM_ORGANISER_PASSWORD"),
        ({"sign_in_attempts": 0}, "PLENUM_SIGN_IN_ATTEMPTS"),
        ({"sign_in_window_s": 0.0}, "PLENUM_SIGN_IN_WINDOW_S"),
        ({"organiser_session_s": 0}, "PLENUM_ORGANISER_SESSION_S"),
    ],
)
def test_bad_sign_in_settings_stop_the_start(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        Settings(**settings)


def test_attempts_from_many_other_addresses_do_not_wipe_a_guesser_s_count() -> None:
    # Addresses whose attempts are all back are forgotten now and then, to bound memory; one
    # still counting must not be, or a guesser would reset its count from other addresses.
    limits = BucketPerKey(2, 60.0)
    for n in range(2000):  # all back a minute later: forgettable
        assert limits.take(f"10.{n // 250}.{n % 250}.1", 0.0) == 0.0
    assert [limits.take("203.0.113.7", 100.0) for _ in range(3)] == [0.0, 0.0, 30.0]
    for n in range(2000):  # past the first thousand addresses: the full ones are forgotten
        assert limits.take(f"10.{n // 250}.{n % 250}.2", 100.0) == 0.0
    assert limits.take("203.0.113.7", 101.0) == pytest.approx(29.0)
