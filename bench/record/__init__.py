"""The record benchmark: the meeting's record from the fold in the state, against replaying the
whole event log from scratch."""
