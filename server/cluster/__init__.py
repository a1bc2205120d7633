"""Meetings shared by workers through Redis: this worker's presence there, requests to other
workers and their replies, the messages workers send each other, the keys and scripts, and each
meeting's replicas, writer and lease."""
