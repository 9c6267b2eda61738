"""Logging helpers: phone numbers never reach a log line in full."""

from __future__ import annotations

import logging
import re

# E.164 numbers as the service writes them (+ and 8 to 15 digits).
_PHONE = re.compile(r"\+\d{8,15}\b")


def mask_phone(phone: str) -> str:
    """`+79111234567` -> `+791*****567`: enough to tell numbers apart, not to call one."""
    if len(phone) <= 7 or "*" in phone:
        return phone
    return phone[:4] + "*" * (len(phone) - 7) + phone[-3:]


def mask_phones(text: str) -> str:
    return _PHONE.sub(lambda match: mask_phone(match.group(0)), text)


_TRACEBACKS = logging.Formatter()


class MaskPhones(logging.Filter):
    """Masks every phone number in the formatted message of a record (also those that
    arrive as arguments) and in its traceback (a database error quotes the row), so no
    caller has to remember to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            # Formatters print exc_text when exc_info is gone: the masked text is printed.
            record.exc_text = mask_phones(_TRACEBACKS.formatException(record.exc_info))
            record.exc_info = None
        return True
