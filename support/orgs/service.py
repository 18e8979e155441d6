"""Looking up and creating administrations and schools."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from support.extensions import db
from support.orgs.models import Administration, School

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def slugify(name: str) -> str:
    """School slugs are lowercase ASCII: å, ä → a, ö → o, spaces → '-' (Hässelbyskolan → hasselbyskolan)."""
    text = name.lower().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def school_by_slug(slug: str) -> School | None:
    return db.session.scalar(select(School).where(School.slug == slug))


def _named(column, text: str):
    """The name as the lists show it, or in other letter case (SQLite's lower() leaves Å, Ä and Ö alone, so the
    exact name is compared too)."""
    return (column == text) | (func.lower(column) == text.lower())


def school_by_name_or_slug(text: str) -> School | None:
    """The school an admin picked by its name (as the school lists show it) or by its slug; None if not one school."""
    text = " ".join((text or "").split())
    if not text:
        return None
    found = school_by_slug(text.lower())
    if found is not None:
        return found
    named = db.session.scalars(select(School).where(_named(School.name, text)).limit(2)).all()
    return named[0] if len(named) == 1 else None


def administration_by_name_or_slug(text: str) -> Administration | None:
    """The administration an admin picked by its name (as the lists show it) or by its slug; None if none."""
    text = " ".join((text or "").split())
    if not text:
        return None
    return db.session.scalar(select(Administration).where(
        (Administration.slug == text.lower()) | _named(Administration.name, text)).limit(1))


def administration_choices() -> list[Administration]:
    """Every administration by name."""
    return list(db.session.scalars(select(Administration).order_by(Administration.name)))


def school_choices() -> list[School]:
    """Every school by name, with its administration loaded (for a searchable list of schools)."""
    return list(db.session.scalars(select(School).options(joinedload(School.administration))
                                   .order_by(School.name, School.slug)))


def get_or_create_administration(name: str, kind: str) -> Administration:
    slug = slugify(name)
    administration = db.session.scalar(select(Administration).where(Administration.slug == slug))
    if administration is None:
        administration = Administration(name=name, slug=slug, kind=kind)
        db.session.add(administration)
        db.session.flush()
    return administration


def get_or_create_school(name: str, administration: Administration, forms: list[str], address: str = "",
                         slug: str | None = None) -> School:
    slug = slug or slugify(name)
    school = school_by_slug(slug)
    if school is None:
        school = School(name=name, slug=slug, administration=administration, address=address)
        school.school_forms = forms
        db.session.add(school)
    return school
