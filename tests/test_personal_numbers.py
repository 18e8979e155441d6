"""The shared detection of personal identity numbers (support.personal_numbers), used by tickets and the KB."""

import pytest

from support import personal_numbers
from support.tickets import personal_numbers as ticket_personal_numbers


@pytest.mark.parametrize("text", ["811218-9876", "19811218-9876", "8112189876", "811218+9876", "811278-9873",
                                  "811218-9875"])
def test_hiding_replaces_the_whole_number_also_with_a_mistyped_check_digit(text):
    assert personal_numbers.hide_personal_numbers(f"elev {text} frånvaro") == "elev ÅÅMMDD-XXXX frånvaro"


@pytest.mark.parametrize("text", ["felkod 500123", "811318-9876", "08-465 004 00", "version 2024.1"])
def test_hiding_leaves_numbers_that_are_no_dates_alone(text):
    assert personal_numbers.hide_personal_numbers(text) == text


def test_the_ticket_code_uses_the_same_detection():
    assert ticket_personal_numbers.mask_personal_numbers is personal_numbers.mask_personal_numbers
    assert ticket_personal_numbers.find_personal_numbers is personal_numbers.find_personal_numbers
