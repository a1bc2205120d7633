"""The whole record as JSON: `to_plain` of `MeetingRecord` under a format name and version, as
docs/record.md describes it field by field."""

import json

from rooms.plain import to_plain
from rooms.record import MeetingRecord

FORMAT = "plenum-meeting-record"
VERSION = 1


def record_json(record: MeetingRecord, time_zone: str) -> bytes:
    document = {"format": FORMAT, "version": VERSION, "time_zone": time_zone, **to_plain(record)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
