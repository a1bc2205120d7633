"""What placement knows of a publisher before its session starts: its offer sends a track from a
source its participant may publish (`sends_what_it_may`), read from an offer Chromium made."""

from pathlib import Path

from rooms.publishing import EVERYTHING, NOTHING
from server.rtc.placement.placing import sends_what_it_may
from server.sfu import MediaOffer, Mid, Source, TrackInfo

# Chromium 156's offer of a microphone (mid 0) and a camera (mid 1), both a=sendonly.
CHROMIUM_OFFER = (Path(__file__).parents[1] / "media" / "chromium-156-offer.sdp").read_text()


def offer(sdp: str = CHROMIUM_OFFER, screen: bool = False) -> MediaOffer:
    tracks = (TrackInfo(Mid("1"), Source.SCREEN),) if screen else ()
    return MediaOffer(sdp, tracks)


def test_an_offer_sending_what_its_participant_may_publish_is_a_publishers() -> None:
    assert sends_what_it_may(offer(), EVERYTHING)
    assert sends_what_it_may(offer(), frozenset({Source.MICROPHONE}))
    assert sends_what_it_may(offer(), frozenset({Source.CAMERA}))


def test_an_offer_sending_only_what_its_participant_may_not_publish_is_a_listeners() -> None:
    assert not sends_what_it_may(offer(), NOTHING)
    # Its video is labelled a shared screen: the right to a camera does not make it a publisher.
    assert not sends_what_it_may(offer(screen=True), frozenset({Source.CAMERA}))
    assert sends_what_it_may(offer(screen=True), frozenset({Source.SCREEN}))


def test_an_offer_that_only_receives_or_stopped_its_tracks_is_a_listeners() -> None:
    receiving = CHROMIUM_OFFER.replace("a=sendonly", "a=recvonly")
    assert not sends_what_it_may(offer(receiving), EVERYTHING)
    stopped = CHROMIUM_OFFER.replace("m=audio 51776", "m=audio 0").replace(
        "m=video 50732", "m=video 0"
    )
    assert not sends_what_it_may(offer(stopped), EVERYTHING)


def test_an_offer_that_does_not_parse_publishes_nothing() -> None:
    assert not sends_what_it_may(offer("v=0\r\nm=video x\r\n"), EVERYTHING)
