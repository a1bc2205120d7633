"""The lobby over the wire (`server.signalling.lobby`): a waiting connection gets `lobby` and
nothing of the meeting, every message it sends is refused with `waiting`, and it is let in
(`admitted`, then the welcome) or turned away (close 4014); moderators alone hear who waits."""

from typing import Any

from rooms.plain import to_plain
from server.protocol import wire
from server.protocol.close_codes import CloseCode
from server.rtc.wire import MEDIA_COMMANDS
from server.signalling import chat_history, notes_request

from .client import Client
from .conftest import Serve, ServedMeeting, api
from .test_invitees import ADMIN, HEADER, imported, listed, token_of


async def knock(meeting: ServedMeeting, name: str, token: str | None = None) -> Client:
    """A newcomer who said hello and now waits; the `lobby` message checked."""
    client = await meeting.connect()
    await client.send({"type": "hello", "token": token or meeting.invite_token, "name": name})
    waiting = await client.expect("lobby")
    assert waiting["title"] == meeting.created["title"]
    return client


async def with_lobby(meeting: ServedMeeting, mode: str = "everyone") -> tuple[Client, Any]:
    moderator, welcome = await meeting.join("Mo", moderator=True)
    replies = await moderator.ask({"type": "set_lobby", "mode": mode})
    assert [(m["type"], m.get("mode")) for m in replies] == [("lobby_set", mode), ("ok", None)]
    return moderator, welcome


async def test_a_newcomer_waits_sees_nothing_and_is_let_in(meeting: ServedMeeting) -> None:
    bo, _ = await meeting.join("Bo")
    moderator, _ = await with_lobby(meeting)
    assert (await bo.until("lobby_set"))[-1]["mode"] == "everyone"

    ada = await knock(meeting, "Ada")
    knocked = await moderator.expect("knocked")
    ada_id = knocked["waiting"]["id"]
    assert knocked["waiting"]["name"] == "Ada"
    # Only the moderators hear of it; the meeting goes on without her.
    chat = await bo.ask({"type": "send_chat", "text": "Dzień dobry"})
    assert [m["type"] for m in chat] == ["chat_posted", "ok"]
    await moderator.expect("chat_posted")
    refused = await ada.ask({"type": "raise_hand"})
    # `ask` reads up to its reply: no chat, no event came to the waiting socket before it.
    assert [(m["type"], m["code"]) for m in refused] == [("error", "waiting")]
    assert "waiting for a moderator" in refused[0]["message"]
    assert ada_id not in meeting.live.meeting.state.participants

    replies = await moderator.ask({"type": "admit", "participant": ada_id})
    assert [m["type"] for m in replies] == ["let_in", "participant_joined", "ok"]
    await ada.expect("admitted")
    welcome = await ada.expect("welcome")
    assert welcome["you"] == ada_id
    assert welcome["snapshot"]["participants"][ada_id]["name"] == "Ada"
    assert welcome["snapshot"]["lobby"] == {}
    assert (await bo.expect("participant_joined"))["participant"] == ada_id
    said = await ada.ask({"type": "send_chat", "text": "Jestem"})
    assert [m["type"] for m in said] == ["chat_posted", "ok"]


async def test_a_refused_newcomer_is_closed_clearly(meeting: ServedMeeting) -> None:
    moderator, _ = await with_lobby(meeting)
    eve = await knock(meeting, "Eve")
    eve_id = (await moderator.expect("knocked"))["waiting"]["id"]
    before_refusal = to_plain(meeting.live.meeting.state)["lobby"]
    assert list(before_refusal) == [eve_id]

    replies = await moderator.ask({"type": "refuse", "participant": eve_id})
    assert [m["type"] for m in replies] == ["turned_away", "ok"]
    code, received = await eve.closed()
    assert code == CloseCode.TURNED_AWAY
    assert [(m["type"], m["code"]) for m in received] == [("error", "turned_away")]
    assert "did not let you in" in received[0]["message"]
    assert meeting.live.meeting.state.lobby == {}
    assert eve_id not in meeting.live.meeting.state.participants


async def test_every_message_of_a_waiting_connection_is_refused_and_nothing_reaches_it(
    serve: Serve,
) -> None:
    # Generous rates: the point is the lobby's refusal, not the rate limiter's.
    meeting = await serve(
        messages_per_s=1000.0,
        message_burst=1000,
        address_messages_per_s=1000.0,
        address_message_burst=1000,
    )
    moderator, _ = await with_lobby(meeting)
    eve = await knock(meeting, "Eve")
    await moderator.expect("knocked")
    before = to_plain(meeting.live.meeting.state)
    kinds = [
        *wire.COMMANDS,
        *MEDIA_COMMANDS,
        *(k for k in chat_history.MESSAGES if k == "chat_history"),
        *(k for k in notes_request.MESSAGES if k == "notes"),
        "hello",
        "resume",
    ]
    assert {"admit", "send_chat", "media_offer", "cast_ballot", "set_lobby"} <= set(kinds)
    for kind in kinds:
        message: dict[str, Any] = {"type": kind}
        if kind == "cast_ballot":
            message |= {"poll": "poll-1", "choices": [0], "secret": "s" * 20}
        replies = await eve.ask(message)
        assert [(m["type"], m["code"]) for m in replies] == [("error", "waiting")], kind
        # The meeting goes on meanwhile: a chat the waiting socket must not receive.
        await moderator.ask({"type": "send_chat", "text": f"after {kind}"})
    assert to_plain(meeting.live.meeting.state)["lobby"] == before["lobby"]
    assert to_plain(meeting.live.meeting.state)["participants"] == before["participants"]
    # Still waiting, not closed for strikes.
    assert not eve.handler_done.done()


async def test_the_place_in_the_queue_moves_up(meeting: ServedMeeting) -> None:
    moderator, _ = await with_lobby(meeting)
    first = await knock(meeting, "First")
    second = await meeting.connect()
    await second.send({"type": "hello", "token": meeting.invite_token, "name": "Second"})
    assert (await second.expect("lobby"))["position"] == 2
    first_id = (await moderator.expect("knocked"))["waiting"]["id"]
    await moderator.expect("knocked")
    await moderator.ask({"type": "admit", "participant": first_id})
    await first.expect("admitted")
    assert (await second.expect("lobby"))["position"] == 1


async def test_who_waits_by_the_link(meeting: ServedMeeting) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,Rada,Łabędy,,,participant\r\n").encode())
    [anna] = await listed(meeting)
    moderator, _ = await with_lobby(meeting, "unlisted")
    # A personal link and a presenter's go straight in; the shared participant's link waits.
    personal = await meeting.connect()
    assert (await personal.hello(token_of(anna), "Anna"))["you"] == anna["id"]
    presenter = await meeting.connect()
    await presenter.hello(meeting.created["presenter_token"], "Mayor")
    await knock(meeting, "Stranger")
    messages = await moderator.until("knocked")
    assert messages[-1]["waiting"]["name"] == "Stranger"


async def test_leaving_the_lobby_and_knocking_again(meeting: ServedMeeting) -> None:
    moderator, _ = await with_lobby(meeting)
    ada = await knock(meeting, "Ada")
    ada_id = (await moderator.expect("knocked"))["waiting"]["id"]
    await ada.disconnect()
    assert (await moderator.expect("left_lobby"))["participant"] == ada_id
    assert meeting.live.meeting.state.lobby == {}
    # No resume token while waiting: the page says hello again and waits at the back.
    await knock(meeting, "Ada")
    assert (await moderator.expect("knocked"))["waiting"]["id"] != ada_id


async def test_a_personal_link_opened_again_takes_the_older_pages_place(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,Rada,Łabędy,,,participant\r\n").encode())
    [anna] = await listed(meeting)
    moderator, _ = await with_lobby(meeting)
    older = await knock(meeting, "Anna", token_of(anna))
    await moderator.expect("knocked")
    newer = await knock(meeting, "Anna", token_of(anna))
    await moderator.expect("knocked")
    code, _ = await older.closed()
    assert code == CloseCode.REPLACED
    assert list(meeting.live.meeting.state.lobby) == [anna["id"]]
    await moderator.ask({"type": "admit", "participant": anna["id"]})
    await newer.expect("admitted")
    assert (await newer.expect("welcome"))["you"] == anna["id"]


async def test_an_invitee_whose_link_is_withdrawn_while_waiting_leaves_the_lobby(
    meeting: ServedMeeting,
) -> None:
    await imported(meeting, (HEADER + "Anna Nowak,Rada,Łabędy,,,participant\r\n").encode())
    [anna] = await listed(meeting)
    moderator, _ = await with_lobby(meeting)
    waiting = await knock(meeting, "Anna", token_of(anna))
    await moderator.expect("knocked")

    async with api(meeting.app) as http:
        removed = await http.delete(
            f"/api/meetings/{meeting.id}/invitees/{anna['id']}", headers=ADMIN
        )
    assert removed.status_code == 204

    # As a withdrawn link's hello is refused: not left for a moderator to let in.
    code, said = await waiting.closed()
    assert code == CloseCode.BAD_TOKEN
    assert [m["code"] for m in said if m["type"] == "error"] == ["link_revoked"]
    assert (await moderator.expect("left_lobby"))["participant"] == anna["id"]
    assert meeting.live.meeting.state.lobby == {}
    replies = await moderator.ask({"type": "admit", "participant": anna["id"]})
    assert replies[-1]["code"] == "unknown_participant"


async def test_those_in_the_meeting_resume_without_waiting(meeting: ServedMeeting) -> None:
    bo, welcome = await meeting.join("Bo")
    moderator, _ = await with_lobby(meeting)
    await bo.disconnect()
    await moderator.until("participant_disconnected")
    back = await meeting.connect()
    assert (await back.resume(welcome["resume"], None))["you"] == welcome["you"]


async def test_switching_the_lobby_off_lets_everyone_in(meeting: ServedMeeting) -> None:
    moderator, _ = await with_lobby(meeting)
    ada = await knock(meeting, "Ada")
    await moderator.expect("knocked")
    replies = await moderator.ask({"type": "set_lobby", "mode": "off"})
    assert [m["type"] for m in replies] == ["lobby_set", "let_in", "participant_joined", "ok"]
    await ada.expect("admitted")
    await ada.expect("welcome")


async def test_a_participant_may_not_admit_or_set_the_lobby(meeting: ServedMeeting) -> None:
    moderator, _ = await with_lobby(meeting, "unlisted")
    await knock(meeting, "Ada")
    ada_id = (await moderator.expect("knocked"))["waiting"]["id"]
    presenter = await meeting.connect()
    await presenter.hello(meeting.created["presenter_token"], "Mayor")
    before = to_plain(meeting.live.meeting.state)
    for message in (
        {"type": "admit", "participant": ada_id},
        {"type": "admit_all"},
        {"type": "refuse", "participant": ada_id},
        {"type": "set_lobby", "mode": "off"},
    ):
        replies = await presenter.ask(message)
        assert [(m["type"], m["code"]) for m in replies] == [("error", "not_allowed")]
    assert to_plain(meeting.live.meeting.state) == before
