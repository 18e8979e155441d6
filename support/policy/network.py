"""Who may see and change the superuser network (issue 13; DESIGN.md "Who may see what").

- Staff of a school — its pedagogues, administrators and superusers — see that school's superusers, the systems
  they cover, how to reach them and whether they are away. Guardians and students see none: they turn to the
  service desk (DESIGN.md, and the knowledge base tells them so), so their "Min skola" shows the desk instead.
- Agents and admins see every school's superusers and browse the whole city; a coordinator browses and sees the
  schools of the administrations they coordinate.
- Admins and the coordinator of the school's administration appoint and remove superusers and record training;
  agents may read the records (who is trained, who is due) but not change them.
- A superuser changes only their own availability; nobody sets someone else's.
- Rollout (which systems are live at a school, the old ones beside them, the wave) is read with the records and
  changed by those who appoint: admins and the coordinator of the school's administration.
- Coverage figures (schools without superusers, superusers per staff, tier-1 resolution, response times, load,
  go-live risks): agents and admins for the city and every administration, a coordinator for the administrations
  they coordinate. Superusers see none: the figures compare schools and colleagues, and a superuser's own numbers
  belong on their own home page. Everyone else gets 404 (docs/decisions.md, "Coverage").
"""

from __future__ import annotations

from support.policy.actors import (
    coordinated_administration_ids,
    is_admin,
    is_authenticated,
    roles_of,
    superuser_school_ids,
)

# Groups that make someone a member of a school's staff; guardians and students are not.
STAFF_GROUPS = ("pedagogue", "administrator")


def staff_school_ids(user) -> set[int]:
    """Schools where this person works: through a staff group or a superuser role."""
    if not is_authenticated(user):
        return set()
    ids = {m.school_id for m in user.groups if m.group in STAFF_GROUPS and m.school_id}
    return ids | superuser_school_ids(user)


def _citywide_reader(user) -> bool:
    return bool(roles_of(user) & {"agent", "admin"})


def _coordinates(user, school) -> bool:
    return school is not None and school.administration_id in coordinated_administration_ids(user)


def _my_school(user, _obj=None) -> bool:
    return is_authenticated(user)


def _see_superusers(user, school) -> bool:
    if school is None or not is_authenticated(user):
        return False
    return _citywide_reader(user) or _coordinates(user, school) or school.id in staff_school_ids(user)


def _browse(user, administration=None) -> bool:
    if _citywide_reader(user):
        return True
    coordinated = coordinated_administration_ids(user)
    return bool(coordinated) and (administration is None or administration.id in coordinated)


def _manage(user, school) -> bool:
    """Appoint and remove superusers at `school`, and record their training."""
    return school is not None and (is_admin(user) or _coordinates(user, school))


def _see_records(user, school) -> bool:
    """Training records, appointment history and refresher status of `school`'s superusers."""
    return school is not None and (_citywide_reader(user) or _coordinates(user, school))


def _refresher_list(user, _obj=None) -> bool:
    return _citywide_reader(user) or bool(coordinated_administration_ids(user))


def _set_availability(user, person) -> bool:
    return (person is not None and is_authenticated(user) and person.id == user.id
            and bool(superuser_school_ids(user)))


def _city_coverage(user, _obj=None) -> bool:
    return _citywide_reader(user)


def administration_scope(user) -> set[int] | None:
    """The administrations `user` may browse: None means all of them (agents, admins)."""
    if _citywide_reader(user):
        return None
    return coordinated_administration_ids(user)


RULES = {
    "network.my_school": _my_school,
    "network.see_superusers": _see_superusers,  # `obj` is the school
    "network.browse": _browse,  # `obj` is an administration, or None for "some"
    "network.appoint": _manage,  # `obj` is the school
    "network.remove": _manage,
    "network.record_training": _manage,  # `obj` is the school the superuser serves
    "network.see_records": _see_records,
    "network.refresher_list": _refresher_list,
    "network.set_availability": _set_availability,  # `obj` is the person whose availability changes
    "network.see_rollout": _see_records,  # `obj` is the school
    "network.edit_rollout": _manage,
    # Whoever browses an administration's schools sees its coverage; `obj` is an administration, or None: "some".
    "network.coverage": _browse,
    "network.city_coverage": _city_coverage,
}
