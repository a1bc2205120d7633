"""Plenum's edges: the Starlette app, the WebSocket signalling endpoint, the wire codec and auth."""
