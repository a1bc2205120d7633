"""The poll benchmark: a crowd votes at once; a coalesced tally against one per ballot."""
