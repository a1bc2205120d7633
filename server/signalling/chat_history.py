"""`chat_history`: a client pages back through the chat it may read, older than its welcome.

A welcome carries only the latest `chat_page` messages the participant may read; the client asks
for older ones page by page. The answer, `chat_page`, is read from this worker's copy of the
meeting, like the welcome: it is no meeting command and leaves nothing in the meeting's log.
"""

from dataclasses import dataclass

from rooms import ParticipantId
from rooms.config import MeetingConfig
from rooms.model import ChatMessage, MeetingState
from rooms.view import chat_before
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import Inbound, WireError, encode_message, parse_fields


@dataclass(frozen=True)
class ChatHistory:
    """Client to server: the messages posted before `before` (a `seq`), at most `limit` of them."""

    before: int | None = None
    limit: int | None = None


@dataclass(frozen=True)
class ChatPage:
    """Server to client, echoing the request's `ref`: the messages, oldest first, and whether
    older ones remain."""

    messages: tuple[ChatMessage, ...]
    more: bool


MESSAGES: dict[str, type] = {"chat_history": ChatHistory, "chat_page": ChatPage}


def parse_request(inbound: Inbound, config: MeetingConfig) -> ChatHistory:
    request = parse_fields(ChatHistory, inbound.fields)
    if request.limit is not None and not 1 <= request.limit <= config.chat_page:
        raise WireError(ErrorCode.INVALID, f"limit: from 1 to {config.chat_page}")
    if request.before is not None and request.before < 1:
        raise WireError(ErrorCode.INVALID, "before: a seq, 1 or more")
    return request


def page_for(
    state: MeetingState, viewer: ParticipantId, request: ChatHistory, config: MeetingConfig
) -> ChatPage:
    limit = request.limit if request.limit is not None else config.chat_page
    messages, more = chat_before(state, viewer, request.before, limit)
    return ChatPage(tuple(messages), more)


def encode_page(page: ChatPage, ref: int | str | None) -> bytes:
    return encode_message(page, ref)
