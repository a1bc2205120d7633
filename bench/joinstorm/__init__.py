"""`python -m bench joinstorm`: N simultaneous joins, Plenum against python-socketio."""
