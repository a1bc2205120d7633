"""The WebSocket conversation with one client: its wire format, its send queue and gate,
and the commands it carries into the meeting."""
