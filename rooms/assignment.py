"""Dealing people into workshops.

Both ways fill the rooms in layers (each person goes to one of the rooms with the fewest people so
far), so room sizes never differ by more than one. The random way deals a shuffled order.

The mixed way deals people grouped by their first key (district, organisation or group), largest
group first, and within each group by the next key, and sends each person to the open room with
the fewest of their first key, then of their next key. A group's people come one after another, so
each layer they fill takes one of them in every room it has left, first the rooms with fewest of
them: a group of s people puts floor or ceil of s / rooms in every room, the most even spread
there is. Swaps between rooms then even out the next keys as far as they can without spreading an
earlier key less evenly (`_even_out`).
"""

import random
from collections.abc import Sequence

from rooms.ids import ParticipantId, RoomId

Keyed = tuple[ParticipantId, tuple[str, ...]]


def deal_random(
    people: Sequence[ParticipantId], rooms: Sequence[RoomId], rng: random.Random
) -> dict[ParticipantId, RoomId]:
    order = list(people)
    rng.shuffle(order)
    return _deal([(person, ()) for person in order], rooms, rng)


def deal_mixed(
    people: Sequence[tuple[ParticipantId, Sequence[str]]],
    rooms: Sequence[RoomId],
    rng: random.Random,
) -> dict[ParticipantId, RoomId]:
    """Spread people who share a key across rooms; people with an empty key share nothing.

    Each person comes with their keys, most important first; keys differing only in case and
    spaces are one key.
    """
    keyed = [(person, tuple(_normalised(key) for key in keys)) for person, keys in people]
    order = _grouped(keyed, 0, rng)
    plan = _deal(order, rooms, rng)
    if len(rooms) > 1 and any(len(keys) > 1 for _, keys in keyed):
        _even_out(plan, dict(order), rooms)
    return plan


def _normalised(key: str) -> str:
    return " ".join(key.split()).casefold()


def _grouped(people: list[Keyed], depth: int, rng: random.Random) -> list[Keyed]:
    """People ordered so that those sharing the key at `depth` are together, largest group first,
    those with no key there last; each group ordered the same way by the next key."""
    if not people or depth >= len(people[0][1]):
        order = list(people)
        rng.shuffle(order)
        return order
    groups: dict[str, list[Keyed]] = {}
    loners: list[Keyed] = []
    for one in people:
        key = one[1][depth]
        if key:
            groups.setdefault(key, []).append(one)
        else:
            loners.append(one)
    ordered = list(groups.values())
    rng.shuffle(ordered)
    ordered.sort(key=len, reverse=True)  # stable: equal sizes keep the shuffled order
    return [one for group in [*ordered, loners] for one in _grouped(group, depth + 1, rng)]


def _deal(
    order: Sequence[Keyed], rooms: Sequence[RoomId], rng: random.Random
) -> dict[ParticipantId, RoomId]:
    if not rooms:
        return {}
    # Shuffled so that the first room is not always the one that gets the extra person.
    targets = list(rooms)
    rng.shuffle(targets)
    sizes = dict.fromkeys(targets, 0)
    # How many people with each key (by its position in the keys) each room holds.
    held: dict[tuple[int, str, RoomId], int] = {}
    plan: dict[ParticipantId, RoomId] = {}
    for person, keys in order:
        fewest = min(sizes.values())

        def crowding(room: RoomId, keys: tuple[str, ...] = keys) -> tuple[int, ...]:
            return tuple(held.get((i, key, room), 0) if key else 0 for i, key in enumerate(keys))

        # min() keeps the first of equals, in the shuffled order: plain round-robin when no key
        # tells rooms apart.
        room = min((r for r in targets if sizes[r] == fewest), key=crowding)
        plan[person] = room
        sizes[room] += 1
        for i, key in enumerate(keys):
            if key:
                held[i, key, room] = held.get((i, key, room), 0) + 1
    return plan


def _even_out(
    plan: dict[ParticipantId, RoomId],
    keys: dict[ParticipantId, tuple[str, ...]],
    rooms: Sequence[RoomId],
) -> None:
    """Swap people between rooms while that spreads the keys more evenly, in `plan` itself.

    A swap must lower the spread of the first key it changes: the sum, over rooms and keys, of
    the square of how many people with that key the room holds, which is lowest for the most even
    spread; where a key's own spread stays, the spread of the people with any key there counts
    (a swap of someone with a key for someone without must not crowd the people with keys).
    Dealing leaves the first key at its lowest already, so swaps only help the next keys.
    Room sizes never change; each swap lowers the spreads, so this ends.
    """
    held: dict[tuple[int, str, RoomId], int] = {}
    # How many people with any key at each position each room holds: dealing spreads them as
    # evenly as everyone, and a swap of someone with a key for someone without must not undo it.
    keyed: dict[tuple[int, RoomId], int] = {}
    # People alike for the spreads: in the same room with the same keys.
    alike: dict[tuple[RoomId, tuple[str, ...]], list[ParticipantId]] = {}
    for person, room in plan.items():
        alike.setdefault((room, keys[person]), []).append(person)
        for i, key in enumerate(keys[person]):
            if key:
                held[i, key, room] = held.get((i, key, room), 0) + 1
                keyed[i, room] = keyed.get((i, room), 0) + 1

    def change(here: RoomId, there: RoomId, mine: tuple[str, ...], theirs: tuple[str, ...]) -> int:
        """How a swap changes the spread of the first key it changes (0 if it changes none)."""
        for i, (key, other) in enumerate(zip(mine, theirs, strict=True)):
            if key == other:
                continue
            delta = 0
            if key:  # moving from here to there
                delta += 2 * (held.get((i, key, there), 0) - held.get((i, key, here), 0)) + 2
            if other:  # and the other way
                delta += 2 * (held.get((i, other, here), 0) - held.get((i, other, there), 0)) + 2
            if delta:
                return delta
            if bool(key) != bool(other):
                # Someone with a key here for someone without one there, or the other way.
                given, taken = (there, here) if key else (here, there)
                delta = 2 * (keyed.get((i, given), 0) - keyed.get((i, taken), 0)) + 2
                if delta:
                    return delta
        return 0

    def move(person: ParticipantId, there: RoomId) -> None:
        here = plan[person]
        alike[here, keys[person]].remove(person)
        alike.setdefault((there, keys[person]), []).append(person)
        plan[person] = there
        for i, key in enumerate(keys[person]):
            if key:
                held[i, key, here] -= 1
                held[i, key, there] = held.get((i, key, there), 0) + 1
                keyed[i, here] -= 1
                keyed[i, there] = keyed.get((i, there), 0) + 1

    # A swap lowers a key's spread only if one of the two people has that key in a room holding
    # at least two more of it than another room: look for swaps of such people only.
    while True:
        kinds = [kind for kind, members in alike.items() if members]
        rooms_with: dict[tuple[int, str], list[int]] = {}
        for (i, key, _), count in held.items():
            rooms_with.setdefault((i, key), []).append(count)
        lowest = {
            key: min(counts) if len(counts) == len(rooms) else 0
            for key, counts in rooms_with.items()
        }
        crowded = [
            (here, mine)
            for here, mine in kinds
            if any(key and held[i, key, here] >= lowest[i, key] + 2 for i, key in enumerate(mine))
        ]
        swapped = False
        for here, mine in crowded:
            for there, theirs in kinds:
                # Checked again at each step: earlier swaps change the counts and the kinds.
                if here == there or not alike[here, mine] or not alike[there, theirs]:
                    continue
                if change(here, there, mine, theirs) < 0:
                    one, other = alike[here, mine][0], alike[there, theirs][0]
                    move(one, there)
                    move(other, here)
                    swapped = True
        if not swapped:
            return
