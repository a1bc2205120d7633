"""The glue between meetings and the forwarding unit: who may publish where, the media
messages on the client's wire, and which worker serves each room's media."""
