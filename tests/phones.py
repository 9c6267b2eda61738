"""Phone numbers for the tests: the one module that types them (tests/test_phone_literals.py
keeps it so).

- `phone_number(n)` is a valid Russian mobile number, +7 911 and `n` in seven digits: the number
  of a test that asks for codes, logs in, or reads it back. `phone_number()` is +7 911 123-45-67;
  `phone_number(1, code=921)` is +7 921 000-00-01.
- `de_mobile(n)` is a valid German mobile number, +49 151 and `n` in eight digits: a number
  of another country calling code.
- `next_phone()` is a number nobody else in the run has, for users the test does not name
  (+7 111 ..., a range no operator has).
- `spelled(number, "8 (###) ###-##-##")` is a number as a person types it, for the tests
  whose subject is the spelling (normalisation): each `#` takes the next of the ten digits
  after +7.
- The constants below are the numbers whose kind is the behaviour under test: numbers
  that are no mobile, premium or foreign ones, and malformed input.
"""

from __future__ import annotations

import itertools


def phone_number(n: int = 1234567, *, code: int = 911) -> str:
    """+7, the three-digit operator `code` and `n` in seven digits (E.164)."""
    return f"+7{code:03d}{n:07d}"


def de_mobile(n: int = 12345678) -> str:
    """A German mobile number, +49 151 and `n` in eight digits: another country calling code
    than phone_number()'s (+7)."""
    return f"+49151{n:08d}"


_unnamed = itertools.count(1)


def next_phone() -> str:
    """A number that no other test data of this run (this pytest worker) has."""
    return phone_number(next(_unnamed), code=111)


def spelled(number: str, template: str) -> str:
    """`number` (+7 and ten digits) written as `template`, one `#` per digit after +7."""
    national = number.removeprefix("+7")
    assert len(national) == 10 and template.count("#") == 10, (number, template)
    digits = iter(national)
    return "".join(next(digits) if char == "#" else char for char in template)


# Russian numbers that get no SMS: no mobile range, or one that costs the sender.
RU_TOLL_FREE = "+78001234567"  # 8-800
RU_PREMIUM_RATE = "+78091234567"  # 8-809
RU_FIXED_LINE = "+74951234567"  # a Moscow landline
RU_UNASSIGNED = "+71111111111"  # of possible length only: no range has it
RU_ALL_ZEROS = "+70000000000"  # no number at all: what no profile may ever list

# Numbers of other countries and international networks.
DE_MOBILE = "+4915112345678"
DE_VOICEMAIL = "+49177991234567"  # no voicemail range in Russia; Germany has one
GB_TOLL_FREE = "+448001234567"
GB_SHARED_COST = "+448431234567"
GB_UAN = "+445512345678"
GB_PREMIUM = "+449012345678"
US_NUMBER = "+12025550123"
INTERNATIONAL_NETWORK = "+88213200000"  # +882
INTERNATIONAL_NETWORK_883 = "+88312345678"  # +883

# Malformed: one digit too many for a Russian number.
TOO_LONG = phone_number() + "89"

# The example the product's "enter a valid phone number" errors give.
EXAMPLE_IN_ERRORS = phone_number()

# JSON numbers where the API wants a string.
AS_JSON_NUMBER = 79111234567
NATIONAL_AS_JSON_NUMBER = 89111234567
AS_JSON_FLOAT = 79111234567.5

# Fixed test numbers (SMS_TEST_NUMBERS) as a store reviewer would use them.
TEST_NUMBER, OTHER_TEST_NUMBER = "+79990000001", "+79990000002"
ADMIN_TEST_NUMBERS = ("+79990000007", "+79990000008")
NOT_E164_TEST_NUMBER = "89990000001"

# The simulated sender's QA scenario numbers (docs/sms.md), and a number next to them that
# is none.
SCENARIO_RETRIED = "+79000000001"
SCENARIO_REFUSED = "+79000000002"
SCENARIO_UNDELIVERED = "+79000000003"
SCENARIO_NO_RECEIPT = "+79000000004"
NOT_A_SCENARIO = "+79000000005"

# Numbers of the countries whose SMS is in Russian, and one whose SMS is in English.
BY_MOBILE = "+375291234567"
KZ_MOBILE = "+77011234567"
KG_MOBILE = "+996555123456"
GB_MOBILE = "+447911123456"

# The sender number of Twilio's test credentials (its "magic" From number).
TWILIO_TEST_FROM = "+15005550006"
