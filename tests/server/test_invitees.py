"""The organiser's invitees over HTTP (`server.web.invitees`): a CSV as spreadsheets write it in
Poland, taken whole or refused by line; personal links that join with the organiser's name,
district and role whatever the person types; removal voiding a link; a room planned before the
day; the export for a mail merge; the admin token on every route."""

from typing import Any

import pytest

from server.protocol.close_codes import CloseCode

from .conftest import ADMIN_TOKEN, Serve, ServedMeeting, api

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HEADER = "name,organisation,district,group,e-mail,role\r\n"


def invitees_path(meeting: ServedMeeting, tail: str = "") -> str:
    return f"/api/meetings/{meeting.id}/invitees{tail}"


async def imported(meeting: ServedMeeting, body: bytes) -> tuple[int, dict[str, Any]]:
    async with api(meeting.app) as http:
        response = await http.post(
            invitees_path(meeting), content=body, headers={**ADMIN, "content-type": "text/csv"}
        )
    return response.status_code, response.json()


async def listed(meeting: ServedMeeting) -> list[dict[str, Any]]:
    async with api(meeting.app) as http:
        response = await http.get(invitees_path(meeting), headers=ADMIN)
    assert response.status_code == 200, response.text
    invitees: list[dict[str, Any]] = response.json()["invitees"]
    return invitees


def token_of(invitee: dict[str, Any]) -> str:
    return str(invitee["link"]).rsplit("#", 1)[1]


async def test_a_bad_line_is_reported_by_line_and_column_and_nothing_is_imported(
    meeting: ServedMeeting,
) -> None:
    body = (
        HEADER
        + "Anna Nowak,Rada Osiedla,Łabędy,A,anna@example.org,participant\r\n"
        + "Jan Kowalski,,Ursus,,,mayor\r\n"
        + ",,Wola,,,participant\r\n"
        + "Ewa Lis,,Wola,,\r\n"
    ).encode()
    status, answer = await imported(meeting, body)
    assert status == 400
    assert answer["problems"] == [
        "line 3: role: one of participant, presenter, moderator",
        "line 4: name: must not be empty",
        "line 5: 5 cells, the header has 6",
    ]
    assert await listed(meeting) == []


async def test_a_file_in_neither_utf8_nor_windows_1250_is_refused_by_its_byte(
    meeting: ServedMeeting,
) -> None:
    status, answer = await imported(meeting, HEADER.encode() + b"Anna \x81,,,,,\r\n")
    assert status == 400
    assert answer["message"].startswith(f"byte {len(HEADER) + 6}: neither UTF-8 nor Windows-1250")
    assert await listed(meeting) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Excel's "Unicode text": UTF-16, which neither UTF-8 nor Windows-1250 reads as letters.
        ("name\r\nŁucja Wąs\r\n".encode("utf-16"), "the file is UTF-16"),
        # Which of the two would be the name, or the district?
        (b"name,district,District\r\nAnna,Wola,Ursus\r\n", "line 1: district: a column twice"),
    ],
    ids=["utf-16", "a column twice"],
)
async def test_a_file_read_wrong_is_refused_saying_why(
    meeting: ServedMeeting, body: bytes, message: str
) -> None:
    status, answer = await imported(meeting, body)
    assert status == 400
    assert answer["message"].startswith(message)
    assert await listed(meeting) == []


async def test_windows_1250_with_semicolons_keeps_polish_letters(meeting: ServedMeeting) -> None:
    body = (
        "name;organisation;district;group;e-mail;role\r\n"
        "Łucja Żółtowska;Stowarzyszenie Źródło;Śródmieście;Ąę;lucja@example.org;presenter\r\n"
    ).encode("cp1250")
    status, answer = await imported(meeting, body)
    assert status == 201, answer
    [lucja] = await listed(meeting)
    assert (lucja["name"], lucja["organisation"], lucja["district"], lucja["role"]) == (
        "Łucja Żółtowska",
        "Stowarzyszenie Źródło",
        "Śródmieście",
        "presenter",
    )


async def test_a_byte_order_mark_is_not_part_of_the_first_column(meeting: ServedMeeting) -> None:
    body = ("\ufeff" + HEADER + "Zofia Kołodziej,,Łabędy,,,\r\n").encode()
    status, answer = await imported(meeting, body)
    assert status == 201, answer
    [zofia] = await listed(meeting)
    assert (zofia["name"], zofia["district"], zofia["role"]) == (
        "Zofia Kołodziej",
        "Łabędy",
        "participant",
    )


async def test_the_export_carries_the_links_and_no_formula(meeting: ServedMeeting) -> None:
    body = (HEADER + '"=HYPERLINK(""http://evil"")",@org,-Wola,+1,a@b.pl,participant\r\n').encode()
    status, answer = await imported(meeting, body)
    assert status == 201, answer
    [person] = await listed(meeting)
    async with api(meeting.app) as http:
        response = await http.get(invitees_path(meeting, ".csv"), headers=ADMIN)
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "name,organisation,district,group,e-mail,role,room,link"
    assert lines[1] == (
        f"\"'=HYPERLINK(\"\"http://evil\"\")\",'@org,'-Wola,'+1,a@b.pl,participant,,{person['link']}"
    )


async def test_a_personal_link_joins_with_the_invitees_details_not_the_typed_ones(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,Rada Osiedla,Łabędy,A,,presenter\r\n").encode())
    [anna] = await listed(meeting)
    async with api(meeting.app) as http:
        response = await http.get(
            "/api/invitation", headers={"Authorization": "Bearer " + token_of(anna)}
        )
    assert response.status_code == 200
    assert response.json()["role"] == "presenter"
    assert response.json()["invitee"]["name"] == "Anna Nowak"
    assert response.json()["invitee"]["district"] == "Łabędy"
    client = await meeting.connect()
    welcome = await client.hello(token_of(anna), "Ktoś Inny", district="Ursus", organisation="X")
    me = welcome["snapshot"]["participants"][welcome["you"]]
    assert welcome["you"] == anna["id"]
    assert (me["name"], me["district"], me["organisation"], me["role"]) == (
        "Anna Nowak",
        "Łabędy",
        "Rada Osiedla",
        "presenter",
    )


async def test_the_same_personal_link_twice_is_the_same_person_on_the_newer_connection(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,,Łabędy,,,\r\n").encode())
    [anna] = await listed(meeting)
    first = await meeting.connect()
    await first.hello(token_of(anna), "Anna")
    second = await meeting.connect()
    welcome = await second.hello(token_of(anna), "Anna")
    assert welcome["you"] == anna["id"]
    code, _ = await first.closed()
    assert code == CloseCode.REPLACED
    assert list(meeting.live.meeting.state.participants) == [anna["id"]]


async def test_a_removed_invitees_link_is_refused_clearly(meeting: ServedMeeting) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,,Łabędy,,,\r\n").encode())
    [anna] = await listed(meeting)
    async with api(meeting.app) as http:
        response = await http.delete(invitees_path(meeting, f"/{anna['id']}"), headers=ADMIN)
        assert response.status_code == 204
        invitation = await http.get(
            "/api/invitation", headers={"Authorization": "Bearer " + token_of(anna)}
        )
    assert (invitation.status_code, invitation.json()["error"]) == (410, "link_revoked")
    client = await meeting.connect()
    await client.send({"type": "hello", "token": token_of(anna), "name": "Anna"})
    code, before = await client.closed()
    assert code == CloseCode.BAD_TOKEN
    assert before[0]["code"] == "link_revoked"
    assert "withdrawn by the organiser" in before[0]["message"]
    assert await listed(meeting) == []


async def test_a_room_json_can_name_but_no_text_can_hold_is_refused_and_nothing_changes(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,,Łabędy,,,\r\n").encode())
    [anna] = await listed(meeting)
    before = meeting.live.meeting.state.seq
    async with api(meeting.app) as http:
        planned = await http.patch(
            invitees_path(meeting, f"/{anna['id']}"),
            content=b'{"room": "Ziele\\ud800"}',
            headers={**ADMIN, "content-type": "application/json"},
        )
    assert planned.status_code == 400
    assert planned.json()["error"] == "invalid"
    assert planned.json()["message"].startswith("room:")
    assert meeting.live.meeting.state.seq == before
    assert meeting.live.meeting.state.workshops == {}


async def test_a_room_planned_before_the_day_is_the_plan_on_joining(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,,Łabędy,,,\r\nJan Lis,,Wola,,,\r\n").encode())
    anna, jan = await listed(meeting)
    async with api(meeting.app) as http:
        planned = await http.patch(
            invitees_path(meeting, f"/{anna['id']}"), json={"room": "Zieleń"}, headers=ADMIN
        )
        assert planned.status_code == 200, planned.text
        room = planned.json()["room"]
        by_id = await http.patch(
            invitees_path(meeting, f"/{jan['id']}"), json={"room": room}, headers=ADMIN
        )
        assert by_id.json()["room"] == room
    state = meeting.live.meeting.state
    assert state.workshops[room].name == "Zieleń"
    assert anna["id"] not in state.plan
    client = await meeting.connect()
    welcome = await client.hello(token_of(anna), "Anna")
    assert welcome["snapshot"]["plan"] == {anna["id"]: room}


async def test_the_most_invitees_is_a_setting_counted_with_those_before(serve: Serve) -> None:
    meeting = await serve(max_invitees=3)
    assert (await imported(meeting, (HEADER + "Anna,,,,,\r\nJan,,,,,\r\n").encode()))[0] == 201
    status, answer = await imported(meeting, (HEADER + "Ewa,,,,,\r\nOla,,,,,\r\n").encode())
    assert (status, answer["problems"]) == (400, ["line 3: at most 3 invitees in a meeting"])
    assert [i["name"] for i in await listed(meeting)] == ["Anna", "Jan"]


async def test_participant_and_link_tokens_may_not_use_the_invitee_routes(
    meeting: ServedMeeting,
) -> None:
    _, welcome = await meeting.join("Ala")
    csv = (HEADER + "Anna Nowak,,Łabędy,,,\r\n").encode()
    async with api(meeting.app) as http:
        for token in (meeting.moderator_token, meeting.invite_token, welcome["resume"], ""):
            auth = {"Authorization": f"Bearer {token}"}
            answers = [
                await http.post(invitees_path(meeting), content=csv, headers=auth),
                await http.get(invitees_path(meeting), headers=auth),
                await http.get(invitees_path(meeting, ".csv"), headers=auth),
                await http.delete(invitees_path(meeting, "/x"), headers=auth),
                await http.patch(invitees_path(meeting, "/x"), json={"room": "A"}, headers=auth),
            ]
            assert [a.status_code for a in answers] == [401] * 5
    assert meeting.live.meeting.state.invitees == {}
