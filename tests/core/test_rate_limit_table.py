"""Every budget is declared once, in core.ratelimit.LIMITS: the settings it names exist,
and no other module reads them."""

import re
from pathlib import Path

from django.conf import settings

from core import ratelimit

BACKEND = Path(__file__).resolve().parents[2] / "backend"
# The settings that hold a rate limit or a budget; each must be in the table.
LIMIT_SETTING = re.compile(r"^[A-Z_]+_(HOURLY_LIMIT|BUDGET|COOLDOWN)$")


def named_settings() -> set[str]:
    named = {ratelimit.SWITCH}
    for limit in ratelimit.LIMITS.values():
        named |= {v for v in (limit.limit, limit.window, limit.share) if isinstance(v, str)}
    return named


def reading(names: set[str]) -> re.Pattern:
    """A line that reads one of the settings `names`."""
    alternatives = "|".join(sorted(names))
    return re.compile(
        rf"""settings\.({alternatives})\b|getattr\(\s*settings\s*,\s*["']({alternatives})["']"""
    )


def test_every_setting_the_table_names_exists_and_is_a_number():
    shares = {limit.share for limit in ratelimit.LIMITS.values() if limit.share}
    for name in named_settings() - {ratelimit.SWITCH} - shares:
        assert isinstance(getattr(settings, name), int), name
    for name in shares:
        assert 0 <= getattr(settings, name) <= 1, name
    assert isinstance(getattr(settings, ratelimit.SWITCH), bool)


def test_every_limit_setting_is_in_the_table():
    limit_settings = {name for name in dir(settings) if LIMIT_SETTING.match(name)}
    assert limit_settings, "no limit settings found"
    assert limit_settings <= named_settings(), limit_settings - named_settings()


def test_no_two_limits_share_a_counter():
    keys = [limit.key for limit in ratelimit.LIMITS.values()]
    assert len(keys) == len(set(keys))


def test_no_other_module_reads_the_settings_of_the_table():
    read = reading(named_settings())
    readers = []
    for path in BACKEND.rglob("*.py"):
        relative = path.relative_to(BACKEND).as_posix()
        if relative == "core/ratelimit.py" or relative.startswith("project/settings/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if read.search(line):
                readers.append(f"{relative}:{number}: {line.strip()}")
    assert readers == []


def test_the_check_finds_a_reader():
    """The pattern above does find a module that reads a limit's setting itself."""
    read = reading(named_settings())
    assert read.search("    if n > settings.SMS_IP_HOURLY_LIMIT:")
    assert read.search('getattr(settings, "RATE_LIMITS_ENABLED")')
    assert not read.search('"`SMS_HOURLY_BUDGET` codes (1000) in a clock hour"')
