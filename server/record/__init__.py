"""The meeting's record written out for moderators: JSON (everything), the attendance as CSV,
and printable minutes in Polish or English. Pure: a `rooms.record.MeetingRecord` in, bytes out;
`server/web/record_api.py` serves them. The format is in docs/record.md."""
