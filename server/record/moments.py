"""The record's times as people read them: in the meeting's time zone, to the minute."""

from datetime import UTC, datetime, tzinfo

EN_DASH = "\u2013"


def local_time(at: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone(zone).strftime("%H:%M")


def local_date(at: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone(zone).strftime("%Y-%m-%d")


def local_moment(at: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def span(since: float, until: float | None, zone: tzinfo) -> str:
    """`09:05-09:40` (with an en dash), or `09:05-` for what had not ended."""
    end = "" if until is None else local_time(until, zone)
    return f"{local_time(since, zone)}{EN_DASH}{end}"
