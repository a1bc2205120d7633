"""With Redis: which workers serve each room's media, and the signalling that reaches them.

Each room of a meeting (the plenary, every workshop) has its media served by one worker (until it
outgrows it: see below), whatever worker each participant's WebSocket is on. A room is placed when
the first media session needs it (a client's `media_offer`, or a session that moves into it) on the
live worker with the fewest media sessions: each worker publishes its count next to its sign of
life, and a placement at once moves the sessions it will take from one count to the other, so the
rooms of a workshop round, placed within milliseconds, spread instead of all landing on the
emptiest worker. The placement is recorded in Redis (`plenum:m:<meeting>:media:<room>`, set only if
absent) and read by every later offer. When a session's participant moves to a room served by
another worker (the workshops open or close, a moderator moves or visits someone), the worker
serving it tells the client `media_restart`, and the client's fresh offer goes to the room's
worker.

A room larger than one worker spreads. The worker placed first is the room's home, and takes the
room's sessions while it serves fewer than `media_room_share` of them; past it a new session goes
to a worker the room spread to already with room left, else to the live worker with the fewest
media sessions, which joins the spread. A session whose offer sends a track its participant may
publish (all placement knows of a publisher before its session starts) goes to the home even past
its share, so its feeds start where most of the room is and cross to each other worker once. Each
worker's count of the room's sessions is in Redis (`plenum:m:<meeting>:media:<room>:spread`; the
home's under `@home`), moved by one script as a session is placed and set again by each worker at
every check, like its load; a worker leaves the spread when it is found dead. Every worker of a
spread room pipes the feeds it receives from the room's publishers to the room's other workers
(`spreading`, over `server.sfu.pipe`), so each serves its members the whole room, and counts it
whole: its publisher cap counts the publishers piped to it, and its gallery limit the sessions the
others count in the spread hash. A worker of the spread is as good as the home for its sessions
there: a session in the room stays on it.

On the worker that holds a client's WebSocket (the client's worker), a media message for a room
placed here goes to this worker's `MediaBridge`, as without Redis. For a room placed elsewhere
it is forwarded over Redis to the media worker's channel (`plenum:w:<worker>:media`) with a request
id; that worker's bridge runs the client's peer connection (it opens the meeting's replica to
know rooms and rights) and sends everything for the client (the answer first, then its offers,
refusals and active speakers) back on the client's worker's channel, in order, where it is handed
to the client's connection. ICE goes straight from the client to the media worker.

A worker that dies loses its placements: every client's worker watches the media workers of its
clients, and when one is dead tells those clients `media_restart`; their fresh `media_offer` places
the room again (or, for a worker of a spread, the session), on a live worker; the room's other
workers end the feeds it piped to them. A spread room whose home died moves to the worker of its
spread that serves most of its sessions, which keeps them (only the dead home's restart). A media
worker likewise ends the sessions of a client worker that died, and restarts its sessions of a room
placed elsewhere since (it was taken for dead during a Redis outage, say), so a room's people never
stay split over two workers that do not know of each other.

The parts, one module each: `placing` (which worker serves each room), `remote_sessions` (on the
client's worker, its clients' sessions served elsewhere), `served_clients` (on the media worker,
the sessions it serves for clients of other workers), `watching` (sessions that must start again
elsewhere), `spreading` (a spread room's feeds between its workers), the messages they send each
other (`messages`, sent in order by `outbox`), and `router`, which puts them together behind the
`MediaRouter` the signalling endpoint uses.
"""

from server.rtc.placement.router import MediaPlacement

__all__ = ["MediaPlacement"]
