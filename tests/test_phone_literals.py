"""Phone numbers are typed in one module, tests/phones.py: every other test module asks it
for one, so a number means the same thing everywhere and changes in one place."""

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
HELPER = TESTS / "phones.py"

PHONE_LITERAL = re.compile(
    r"\+\d[\d ()-]{6,}"  # +79111234567, +7 (911) 123-45-67, +4915112345678
    r"|\+7 ?\d{3}\{"  # f"+7911{n:07d}"
    r"|\b8[ (]*9\d\d[) -]*\d{3}[ -]*\d\d[ -]*\d\d\b"  # 8 (911) 123-45-67, 89111234567
    r"|\b[78]9\d{9}\b"  # 79111234567 as a number
)


@pytest.mark.parametrize(
    "typed",
    [
        '"+79111234567"',
        '"+7 (911) 123-45-67"',
        '"8 (911) 123-45-67"',
        '"89111234567"',
        "79111234567",
        '"+4915112345678"',
        'f"+7911{n:07d}"',
        '"call +79111234567"',
    ],
)
def test_the_pattern_knows_a_typed_number(typed):
    assert PHONE_LITERAL.search(typed)


@pytest.mark.parametrize(
    "made", ["phone_number(1234567)", 'spelled(n, "8 (###) ###-##-##")', '"+791*****567"']
)
def test_the_pattern_lets_made_numbers_pass(made):
    assert not PHONE_LITERAL.search(made)


def test_no_other_test_module_types_a_phone_number():
    typed = {
        f"{path.relative_to(TESTS.parent)}:{number}: {line.strip()}"
        for path in TESTS.rglob("*.py")
        if path not in {HELPER, Path(__file__)}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PHONE_LITERAL.search(line)
    }
    assert not typed, "type phone numbers in tests/phones.py only:\n" + "\n".join(sorted(typed))
