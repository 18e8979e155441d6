"""Phone numbers are one number however they are typed, on the person and in a search."""

from __future__ import annotations

import pytest

from support.accounts.phone_numbers import phone_digits, searched_phone_digits
from support.extensions import db


@pytest.mark.parametrize("typed", ["070-123 45 67", "0701234567", "+46 70 123 45 67", "+46 (0)70-123 45 67",
                                   "0046 70 123 45 67", "070.123.45.67"])
def test_every_way_of_writing_a_swedish_number_gives_the_same_digits(typed):
    assert phone_digits(typed) == "0701234567"


def test_a_foreign_number_keeps_its_country_code():
    assert phone_digits("+47 22 33 44 55") == "004722334455"


@pytest.mark.parametrize(("query", "digits"), [
    ("070-123 45 67", "701234567"), ("+46 70 123 45 67", "701234567"), ("123 45 67", "1234567"),
    ("Maria", None), ("#1234", None), ("123 45", None), ("maria@example.com", None),
])
def test_a_search_is_a_phone_number_only_when_it_looks_like_one(query, digits):
    assert searched_phone_digits(query) == digits


def test_the_person_keeps_the_digits_of_their_number(factory):
    person = factory.user(name="Ruth Ringer")
    person.phone = "+46 70-123 45 67"
    db.session.commit()
    assert person.phone_digits == "0701234567"
