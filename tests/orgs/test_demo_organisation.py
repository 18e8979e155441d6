from collections import Counter

import pytest
from sqlalchemy import func, select

from support.extensions import db
from support.orgs.demo import DISTRICTS, EDUCATION, LABOUR_MARKET, load_demo_organisation
from support.orgs.models import Administration, School
from support.orgs.service import school_by_slug


@pytest.fixture
def organisation(app):
    summary = load_demo_organisation()
    db.session.commit()
    return summary


NAMED = [
    ("ekbackaskolan", "Ekbackaskolan", "Bromma", ["compulsory"]),
    ("hasselbyskolan", "Hässelbyskolan", "Hässelby-Vällingby", ["compulsory", "compulsory-adapted"]),
    ("solrosens-forskola", "Solrosens förskola", "Rinkeby-Kista", ["preschool"]),
    ("fjardens-gymnasium", "Fjärdens gymnasium", EDUCATION, ["upper-secondary", "upper-secondary-adapted"]),
    ("komvux-soder", "Komvux Söder", LABOUR_MARKET, ["adult", "sfi"]),
]


def test_demo_organisation_has_the_citys_administrations_and_about_750_schools(organisation):
    """One load, several facts: loading 750 schools is the slow part, so it is done once here."""
    names = set(db.session.scalars(select(Administration.name)))
    assert len(names) == 16
    assert {EDUCATION, LABOUR_MARKET} <= names
    assert set(DISTRICTS) <= names
    assert {"Rinkeby-Kista", "Spånga-Tensta", "Enskede-Årsta-Vantör", "Hägersten-Liljeholmen", "Skärholmen"} <= names
    kinds = Counter(db.session.scalars(select(Administration.kind)))
    assert kinds == {"district": 14, "education": 1, "labour-market": 1}

    count = db.session.scalar(select(func.count()).select_from(School))
    assert 700 <= count <= 800
    assert organisation["schools"] == count
    per_administration = dict(db.session.execute(
        select(Administration.name, func.count(School.id)).join(School).group_by(Administration.name)).all())
    assert len(per_administration) == 16, "every administration has schools"

    # Preschools under the districts, upper-secondary under education, adult education under labour market.
    for school in db.session.scalars(select(School)):
        forms = set(school.school_forms)
        kind = school.administration.kind
        if forms & {"upper-secondary", "upper-secondary-adapted"}:
            assert kind == "education", school.name
        if forms & {"adult", "adult-adapted", "sfi", "vocational"}:
            assert kind == "labour-market", school.name
        if forms == {"preschool"}:
            assert kind == "district", school.name

    slugs = list(db.session.scalars(select(School.slug)))
    assert len(slugs) == len(set(slugs))
    assert all(slug.isascii() and slug == slug.lower() and " " not in slug for slug in slugs)

    for slug, name, administration, forms in NAMED:
        school = school_by_slug(slug)
        assert school is not None, slug
        assert school.name == name
        assert school.administration.name == administration
        assert sorted(school.school_forms) == sorted(forms)


def test_loading_the_demo_organisation_again_adds_nothing(organisation):
    before = db.session.scalar(select(func.count()).select_from(School))
    again = load_demo_organisation()
    db.session.commit()
    assert again == {"administrations": 16, "schools": before}
    assert db.session.scalar(select(func.count()).select_from(Administration)) == 16
