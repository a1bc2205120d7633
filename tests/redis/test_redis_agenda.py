"""The organiser's agenda through Redis: set over the API of one worker, read on another; the
meeting is written by the worker it was created on, and the other forwards the API's command."""

from tests.e2e.wsclient import Client
from tests.redis.people import moderating
from tests.redis.workers import Workers

PROGRAMME = [
    {"title": "Powitanie", "minutes": 5},
    {"title": "Inicjatywy mieszkańców", "minutes": 40, "presenters": ["Ola Nowak", "Jan Lis"]},
]


async def test_an_agenda_set_on_one_worker_is_in_a_welcome_on_the_other(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    async with moderating(meeting, second) as moderator:
        replaced = await first.server.set_agenda(meeting["id"], PROGRAMME)
        assert [i["title"] for i in replaced["agenda"]["items"]] == [
            "Powitanie",
            "Inicjatywy mieszkańców",
        ]
        # The moderator on the other worker gets the event, and moves the agenda along there.
        event = await moderator.wait_for(lambda m: m["type"] == "agenda_set")
        assert event["by"] is None
        await moderator.command("start_agenda_item")

        ala = await Client.join(second.ws_url, meeting["invite_token"], "Ala")
        try:
            agenda = ala.welcomes[0]["snapshot"]["agenda"]
            assert [(i["id"], i["status"]) for i in agenda["items"]] == [
                ("item-1", "current"),
                ("item-2", "pending"),
            ]
            assert [p["name"] for p in agenda["items"][1]["presenters"]] == ["Ola Nowak", "Jan Lis"]
            assert agenda["current"] == "item-1"
        finally:
            await ala.close()

        # Through the API of the worker that does not write the meeting: forwarded to the writer.
        edited = [
            {"id": "item-2", "title": "Inicjatywy", "minutes": 45},
            {**PROGRAMME[0], "id": "item-1"},
        ]
        await second.server.set_agenda(meeting["id"], edited)
        jan = await Client.join(first.ws_url, meeting["invite_token"], "Jan")
        try:
            agenda = jan.welcomes[0]["snapshot"]["agenda"]
            assert [(i["id"], i["title"], i["status"]) for i in agenda["items"]] == [
                ("item-2", "Inicjatywy", "pending"),
                ("item-1", "Powitanie", "current"),
            ]
        finally:
            await jan.close()
