"""KB readership is decided once (support/policy/kb.py): the search index's filter for a person or an audience
key is built from the same Readership, so the two can no longer drift (kb_editor read only public articles in the
index's own copy)."""

from __future__ import annotations

import pytest

from support.policy.kb import (
    ANONYMOUS,
    EVERYTHING,
    SUPERUSER,
    Readership,
    index_filter,
    index_filter_for_audience,
    index_filter_for_audiences,
    readership_for_audience,
    readership_for_audiences,
    readership_of,
    search_filter_for,
)
from tests.policy.people import person

GUARDIANS = Readership(public_audiences=frozenset({"guardian"}))

# audience keys → what someone holding them reads
BY_KEYS = [
    ((), ANONYMOUS),
    (("anonymous",), ANONYMOUS),
    (("guardian",), GUARDIANS),
    (("guardian", "pedagogue"), Readership(public_audiences=frozenset({"guardian", "pedagogue"}))),
    (("superuser",), SUPERUSER),
    (("superuser", "guardian"), SUPERUSER),
    (("support",), EVERYTHING),
    (("agent",), EVERYTHING),
    (("admin",), EVERYTHING),
    (("kb_editor",), EVERYTHING),
    (("kb_editor", "guardian"), EVERYTHING),
    (("coordinator",), ANONYMOUS),
]


@pytest.mark.parametrize(("keys", "readership"), BY_KEYS)
def test_audience_keys_read_what_the_policy_says(keys, readership):
    assert readership_for_audiences(keys) == readership


@pytest.mark.parametrize(("keys", "readership"), BY_KEYS)
def test_the_index_filter_of_audience_keys_is_the_policys(keys, readership):
    assert index_filter_for_audiences(keys) == index_filter(readership)


@pytest.mark.parametrize("audience", [None, "anonymous", "guardian", "student", "pedagogue", "administrator",
                                      "superuser", "support"])
def test_one_audience_reads_the_same_through_the_cli_and_the_index(audience):
    assert index_filter_for_audience(audience) == index_filter(readership_for_audience(audience))


def test_an_unknown_audience_is_refused():
    with pytest.raises(ValueError):
        readership_for_audience("rektor")


# a person → the audience keys the index would be asked with
PEOPLE = [
    (lambda: None, ()),
    (lambda: person(groups=["guardian:1"]), ("guardian",)),
    (lambda: person(groups=["guardian:1", "pedagogue:2"]), ("guardian", "pedagogue")),
    (lambda: person(groups=["pedagogue:1"], roles=["superuser:1"]), ("superuser",)),
    (lambda: person(roles=["agent"]), ("agent",)),
    (lambda: person(roles=["admin"]), ("admin",)),
    (lambda: person(roles=["kb_editor"]), ("kb_editor",)),
    (lambda: person(groups=["guardian:1"], inactive_roles=["agent"]), ("guardian",)),
    (lambda: person(roles=["agent"], active=False), ()),
    (lambda: person(roles=["coordinator"]), ()),
]


@pytest.mark.parametrize(("make", "keys"), PEOPLE)
def test_a_persons_search_filter_is_their_readership(make, keys):
    someone = make()
    assert search_filter_for(someone) == index_filter(readership_of(someone)) == index_filter_for_audiences(keys)


@pytest.mark.parametrize(("visibility", "audiences", "readers"), [
    ("public", ["guardian"], {"anonymous", "guardian", "superuser", "editor"}),
    ("public", ["pedagogue"], {"anonymous", "superuser", "editor"}),
    ("internal", ["superuser"], {"superuser", "editor"}),
    ("internal", ["support"], {"editor"}),
])
def test_the_index_filter_and_the_rule_agree_on_each_article(visibility, audiences, readers):
    people = {"anonymous": None, "guardian": person(groups=["guardian:1"]),
              "superuser": person(roles=["superuser:1"]), "editor": person(roles=["kb_editor"])}
    for name, someone in people.items():
        doc = {"visibility": visibility, "audiences": audiences, "status": "published"}
        assert search_filter_for(someone).may_read(doc) == (name in readers), name
        assert readership_of(someone).may_read(visibility, audiences) == (name in readers), name
