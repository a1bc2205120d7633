"""The WebSocket close codes Plenum uses, each saying why the server closed the connection."""

from enum import IntEnum


class CloseCode(IntEnum):
    TOO_LARGE = 1009  # a frame over the `max_frame_bytes` setting
    PROTOCOL = 4000  # no hello or resume within `hello_timeout_s`
    BAD_TOKEN = 4001  # a link or resume token that is forged, expired or of the wrong kind
    TOO_MANY_INVALID = 4002  # kept sending invalid messages (`max_strikes`)
    REMOVED = 4003  # a moderator removed this participant
    NO_MEETING = 4004  # the token names a meeting this server does not have
    TOO_SLOW = 4005  # did not read its messages; its send queue (`send_queue`) filled up
    RESYNC = 4006  # the server lost track of this client's events: resume for a fresh snapshot
    FLOODING = 4008  # kept sending faster than `messages_per_s` allows
    REPLACED = 4009  # the same participant connected again elsewhere
    TOO_MANY_SOCKETS = 4010  # its address already holds `max_sockets_per_address` sockets
    MEETING_ENDED = 4011  # a moderator ended the meeting for everyone: nobody joins or resumes
    MEETING_LOCKED = 4012  # a moderator locked the meeting: nobody new joins (rooms.doors)
    MEETING_DELETED = 4013  # the organiser deleted the meeting and all its data: do not come back
    TURNED_AWAY = 4014  # a moderator did not let this person in from the lobby (rooms.lobby)
