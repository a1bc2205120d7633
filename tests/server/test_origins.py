"""Which pages may open the WebSocket, as the settings say (the handshake itself is tested
against a real process in tests/e2e/test_handshake.py)."""

from server.settings import Settings


def test_a_server_on_an_ipv6_address_starts_and_allows_its_own_pages() -> None:
    settings = Settings(host="::1", port=8000)

    assert settings.public_url == "http://[::1]:8000"
    assert "http://[::1]:8000" in settings.origins()
    assert "http://localhost:8000" in settings.origins()
