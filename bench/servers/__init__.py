"""The chat servers measured (Plenum, and the python-socketio peer), as deployed for a run, and
the collector pauses the probe logs inside them."""
