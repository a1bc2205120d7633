"""Meetings shared by workers through Redis: this worker's presence there, the messages
workers send each other, the keys and scripts, and each meeting's writer and replicas."""
