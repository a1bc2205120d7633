"""The one shape of every HTTP route's refusal: `{"error": <code>, "message": <what was wrong>}`."""

from enum import StrEnum

from starlette.responses import JSONResponse, Response


def refusal(status: int, code: StrEnum, message: str) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status)
