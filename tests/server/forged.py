"""Tokens that must not open a meeting: forged, tampered with, expired, or of the wrong kind."""

import time

from rooms import MeetingId
from server.tokens import Grant, Kind, Signer

from .conftest import SECRET, ServedMeeting


def bad_tokens(meeting: ServedMeeting) -> dict[str, str]:
    far = time.time() + 3600
    ours = Signer(SECRET)
    meeting_id = MeetingId(meeting.id)
    mac = meeting.invite_token.partition(".")[2]
    promoted = ours.issue(Grant(Kind.MODERATOR, meeting_id, far)).partition(".")[0]
    return {
        "garbage": "not-a-token",
        "empty": "",
        "signed with another secret": Signer("x").issue(Grant(Kind.MODERATOR, meeting_id, far)),
        "invite turned moderator": f"{promoted}.{mac}",
        "expired": ours.issue(Grant(Kind.INVITE, meeting_id, time.time() - 1)),
        "resume token": ours.issue(Grant(Kind.RESUME, meeting_id, far)),
    }
