"""When a countdown warns that its end is near: the workshops' round and the speaker's floor.

A warning comes its lead time before the deadline, but never earlier than the last
`WARNING_SHARE` of the time left when the countdown starts, so a short round or a short turn
does not warn from its start.
"""

WARNING_SHARE = 0.25


def warning_time(now: float, deadline: float | None, lead_s: float) -> float | None:
    """When to warn of `deadline`, counting from `now`; None for no deadline or no lead."""
    if deadline is None or lead_s <= 0:
        return None
    return deadline - min(lead_s, (deadline - now) * WARNING_SHARE)
