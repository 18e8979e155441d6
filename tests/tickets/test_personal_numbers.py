"""Swedish personal identity numbers: found with a Luhn check, masked for display."""

import pytest

from support.tickets.personal_numbers import (
    contains_personal_number,
    find_personal_numbers,
    mask_personal_numbers,
)


@pytest.mark.parametrize("text", ["811218-9876", "19811218-9876", "198112189876", "8112189876", "811278-9873"])
def test_valid_numbers_in_every_common_form_are_found(text):
    assert find_personal_numbers(f"Mitt nummer är {text}.") == [text]


@pytest.mark.parametrize("text", ["811218-9875", "811318-9876", "Order 20261122-0002", "08-465 004 00",
                                  "tel 0701234567"])
def test_wrong_check_digits_dates_and_phone_numbers_are_not(text):
    assert not contains_personal_number(text)


def test_masking_hides_the_last_four_digits_and_keeps_the_rest():
    text = "Eleven 19811218-9876 och syskonet 8112189876, order 811218-9875."
    assert mask_personal_numbers(text) == "Eleven 19811218-XXXX och syskonet 811218-XXXX, order 811218-9875."
