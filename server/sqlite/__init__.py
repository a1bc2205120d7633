"""The embedded store: every meeting's events and snapshots, and the secret polls' ballot boxes,
in one SQLite file in the data folder, so the one-process server keeps its meetings across a
restart or a crash. `database` is the file and who writes it (the event loop, or one writer
thread); `meeting_store` and `ballot_box` are what the hub and the polls keep in it."""
