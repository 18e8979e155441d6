"""Personal identity numbers in ticket text: the detection lives in `support.personal_numbers`, shared with the
knowledge base (which does not import ticket code)."""

from support.personal_numbers import contains_personal_number, find_personal_numbers, mask_personal_numbers

__all__ = ["contains_personal_number", "find_personal_numbers", "mask_personal_numbers"]
