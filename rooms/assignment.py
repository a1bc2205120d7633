"""Dealing people into workshops.

Both ways deal round-robin over a shuffled order, so room sizes never differ by more than one.
The mixed way orders people by their district (organisation, group), largest group first, before
dealing: a group of s people then lands on s consecutive rooms, so no room gets more than
ceil(s / rooms) of them, which is the most even spread there is, and none gets two when s fits.
"""

import random
from collections.abc import Sequence

from rooms.ids import ParticipantId, RoomId


def deal_random(
    people: Sequence[ParticipantId], rooms: Sequence[RoomId], rng: random.Random
) -> dict[ParticipantId, RoomId]:
    order = list(people)
    rng.shuffle(order)
    return _deal(order, rooms, rng)


def deal_mixed(
    people: Sequence[tuple[ParticipantId, str]], rooms: Sequence[RoomId], rng: random.Random
) -> dict[ParticipantId, RoomId]:
    """Spread people who share a key across rooms; people with an empty key share nothing."""
    groups: dict[str, list[ParticipantId]] = {}
    loners: list[ParticipantId] = []
    for person, key in people:
        normalised = " ".join(key.split()).casefold()
        if normalised:
            groups.setdefault(normalised, []).append(person)
        else:
            loners.append(person)
    ordered_groups = list(groups.values())
    rng.shuffle(ordered_groups)
    ordered_groups.sort(key=len, reverse=True)
    order: list[ParticipantId] = []
    for group in ordered_groups:
        rng.shuffle(group)
        order.extend(group)
    rng.shuffle(loners)
    order.extend(loners)
    return _deal(order, rooms, rng)


def _deal(
    order: Sequence[ParticipantId], rooms: Sequence[RoomId], rng: random.Random
) -> dict[ParticipantId, RoomId]:
    if not rooms:
        return {}
    # Shuffled so that the first room is not always the one that gets the extra person.
    targets = list(rooms)
    rng.shuffle(targets)
    return {person: targets[i % len(targets)] for i, person in enumerate(order)}
