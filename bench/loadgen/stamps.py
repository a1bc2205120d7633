"""The chat text every benchmark message carries: which run it belongs to and when it was sent.

`<run>:<index>:<time.time() at send>:` padded with dots to `TEXT_CHARS`, so that every engine
carries the same number of characters and every receiver can tell its latency on its own.
"""

TEXT_CHARS = 100


def stamp(run: str, index: int, sent_at: float) -> str:
    return f"{run}:{index}:{sent_at:.6f}:".ljust(TEXT_CHARS, ".")


def read_stamp(text: str) -> tuple[str, float]:
    """The run and the send time of a stamped text."""
    run, _, sent_at, _ = text.split(":", 3)
    return run, float(sent_at)
