"""The options of select, radio and checkbox fields as WTForms `SelectChoice` objects (WTForms 3.3 deprecates
(value, label) tuples and 3.4 drops them; an option is read as `choice.value` and `choice.label`, it is not a
pair), and the one field that shows several choices as a list of checkboxes."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def select_choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """The (value, label) `pairs`, in order, as the options a field's `choices` takes."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes, each with its label after it."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
