import pytest

from support.extensions import db
from support.orgs.service import get_or_create_administration, get_or_create_school, school_by_slug, slugify


@pytest.mark.parametrize("name,slug", [
    ("Hässelbyskolan", "hasselbyskolan"),
    ("Solrosens förskola", "solrosens-forskola"),
    ("Fjärdens gymnasium", "fjardens-gymnasium"),
    ("Komvux Söder", "komvux-soder"),
    ("Enskede-Årsta-Vantör", "enskede-arsta-vantor"),
    ("  Café Ängen  ", "cafe-angen"),
])
def test_slugs_follow_the_platform_rule(name, slug):
    assert slugify(name) == slug


def test_get_or_create_school_returns_the_existing_school(app):
    bromma = get_or_create_administration("Bromma", "district")
    first = get_or_create_school("Ekbackaskolan", bromma, ["compulsory"])
    db.session.flush()
    second = get_or_create_school("Ekbackaskolan", bromma, ["compulsory"])
    assert first is second
    assert school_by_slug("ekbackaskolan") is first


def test_unknown_school_form_is_refused(app):
    bromma = get_or_create_administration("Bromma", "district")
    with pytest.raises(ValueError, match="unknown school forms"):
        get_or_create_school("Testskolan", bromma, ["university"])
