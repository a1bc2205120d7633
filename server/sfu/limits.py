"""Asking publishers for less: a workshop shown as a gallery needs no camera at full rate.

In a workshop every member's camera goes to every other member, drawn as one tile of a gallery:
nine cameras at what a browser sends on a good uplink (about 2.5 Mbit/s for 720p) are more than
most home links take, and more than a gallery tile shows. So a room of `gallery_from` members or
more, the plenary apart, asks each member's browser to keep its camera under `gallery_camera_bps`
(about a 360p picture, what Zoom's gallery tiles get); a smaller room lifts it again. In the
plenary the presenter is shown large to everyone, and nothing is asked. The browser applies it to
its sender (`RTCRtpSender.setParameters`), with no renegotiation.
"""

from rooms.ids import PLENARY, RoomId
from server.sfu.messages import SendLimit, Source


def limits_for(
    room: RoomId, members: int, gallery_from: int, gallery_camera_bps: int
) -> tuple[SendLimit, ...]:
    """What the members of `room` are asked to send, by source; () for as much as they like."""
    # The engine's rooms are the meetings' rooms, "<meeting>/<room>" (`server.rtc.bridge`).
    plenary = room.rpartition("/")[2] == PLENARY
    if plenary or gallery_camera_bps <= 0 or members < gallery_from:
        return ()
    return (SendLimit(Source.CAMERA, gallery_camera_bps),)
