"""core.phones.calling_code reads the calling code off the digits; it must say what a full
parse says, for every region's numbers and the non-geographic ones."""

import phonenumbers
import pytest

from core import phones
from tests.phones import de_mobile, phone_number


def example_numbers() -> list[str]:
    numbers = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        example = phonenumbers.example_number(region)
        if example is not None:
            numbers.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            numbers.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return numbers


def test_the_calling_code_of_every_regions_example_is_what_a_parse_says():
    numbers = example_numbers()
    assert len(numbers) > 200
    for number in numbers:
        assert phones.calling_code(number) == phonenumbers.parse(number).country_code, number


@pytest.mark.parametrize(
    ("phone", "code"), [(phone_number(), 7), (de_mobile(1), 49), ("not a number", 0), ("", 0)]
)
def test_the_calling_code_of_the_service_numbers(phone, code):
    assert phones.calling_code(phone) == code
