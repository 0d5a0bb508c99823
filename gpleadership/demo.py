"""Demo data for the whole portal: each app adds its own part on top of the members app's place."""

from members import outbox, places
from members.demo import DemoPeople, demo_place, load_members


def load(*, password_hash: str | None) -> DemoPeople:
    # The demo's people have made-up addresses: the emails its history would trigger are recorded, never sent.
    with outbox.withheld("demo data"):
        return _load(password_hash=password_hash)


def _load(*, password_hash: str | None) -> DemoPeople:
    with places.unscoped():
        place = demo_place()
    with places.using(place):
        return _load_place(password_hash=password_hash)


def _load_place(*, password_hash: str | None) -> DemoPeople:
    people = load_members(password_hash=password_hash)
    from decisions.demo import load_decisions

    load_decisions(people)
    from priorities.demo import load_priorities

    load_priorities(people)
    from representation.demo import load_representation

    load_representation(people)
    return people
