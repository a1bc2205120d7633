"""The HTTP edge: the API, origins and security headers, handshakes, uvicorn's settings, and
the limits per client address."""
