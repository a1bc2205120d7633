"""The client protocol on the wire, pure: the msgpack envelope, events and replies, and the codes
the server answers and closes with (kept in step with docs/protocol.md and static/protocol.js)."""
