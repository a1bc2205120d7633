"""`python -m bench media`: one publisher to N subscribers, Plenum's forwarding unit against
aiortc's MediaRelay; with the server, publisher and subscriber processes it starts."""
