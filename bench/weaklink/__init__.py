"""`python -m bench weaklink`: a ten-person room with one participant on a weak link."""
