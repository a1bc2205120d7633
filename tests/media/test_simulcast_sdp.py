"""The simulcast lines of a browser's offer, and the descriptions the server sends back."""

from pathlib import Path

from server.sfu.simulcast import offered_layers, take_layers

# As on the wire, each line ends in CRLF (the file keeps LF).
CHROMIUM_OFFER = (
    "\r\n".join((Path(__file__).parent / "chromium-156-offer.sdp").read_text().splitlines())
    + "\r\n"
)
SIMULCAST = "a=rid:h send\r\na=rid:f send\r\na=simulcast:send h;f\r\n"


def with_layers(offer: str, lines: str) -> str:
    """Chromium's offer with `lines` on its camera's m-line (mid 1), as sendEncodings puts them."""
    return offer.replace("a=mid:1\r\n", "a=mid:1\r\n" + lines, 1)


def sections(sdp: str) -> list[str]:
    return ["m=" + part for part in sdp.split("\r\nm=")[1:]]


def test_an_offer_names_its_layers_in_order() -> None:
    assert offered_layers(CHROMIUM_OFFER) == {}
    assert offered_layers(with_layers(CHROMIUM_OFFER, SIMULCAST)) == {"1": ("h", "f")}
    # Alternatives count as their first; a paused layer not at all; one layer is no simulcast.
    three = "a=simulcast:send q,x;~h;f\r\n"
    assert offered_layers(with_layers(CHROMIUM_OFFER, three)) == {"1": ("q", "f")}
    assert offered_layers(with_layers(CHROMIUM_OFFER, "a=simulcast:send f\r\n")) == {}


def test_a_description_takes_the_layers_and_leaves_out_rtx_there_only() -> None:
    offer = with_layers(CHROMIUM_OFFER, SIMULCAST)
    taken = take_layers(offer, {"1": ("h", "f")})
    assert taken.endswith("\r\n") and "\n\n" not in taken.replace("\r\n", "\n")
    before, after = sections(offer), sections(taken)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        if "a=mid:1\r\n" not in old:
            assert new.rstrip("\r\n") == old.rstrip("\r\n")
            continue
        rtx = [
            line.split(":")[1].split(" ")[0]
            for line in old.split("\r\n")
            if line.startswith("a=rtpmap:") and " rtx/" in line
        ]
        assert rtx, "Chromium offers RTX"
        m_line = new.split("\r\n")[0].split(" ")
        assert not set(rtx) & set(m_line[3:])
        assert not any(
            line.startswith(f"a=rtpmap:{pt} ") for pt in rtx for line in new.split("\r\n")
        )
        assert "a=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv h;f\r\n" in new
        assert "a=ssrc-group:FID" not in new
    assert take_layers(offer, {}) == offer
