"""The options of select, radio and checkbox fields are SelectChoice objects, not the tuples WTForms 3.4 drops."""

from wtforms import SelectChoice

from support.form_choices import select_choices


def test_pairs_become_select_choices_in_their_order():
    assert select_choices([("b", "Bee"), ("a", "A")]) == [SelectChoice("b", "Bee"), SelectChoice("a", "A")]


def test_a_mapping_of_labels_gives_its_items_as_choices():
    assert select_choices({"sv": "Svenska", "en": "English"}.items()) == [SelectChoice("sv", "Svenska"),
                                                                          SelectChoice("en", "English")]
