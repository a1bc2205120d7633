"""The server's idea of now: seconds since the epoch, shared by every process of a meeting."""

from collections.abc import Callable

Clock = Callable[[], float]
