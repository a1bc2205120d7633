"""`python -m bench fanout`: chat fan-out to one room, Plenum against python-socketio."""
