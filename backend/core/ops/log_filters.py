"""Logging filters (configured in settings.LOGGING)."""

from __future__ import annotations

import logging

DEV_INBOX_PATH = "/dev/sms/"


class QuietDevInboxPolls(logging.Filter):
    """Drop Django's `Not Found: /dev/sms/` warnings. The development inbox answers 404
    until the simulated SMS is delivered, and the UI polls it every second meanwhile, so
    each 404 is expected; every other 404 is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        return not (getattr(record, "status_code", None) == 404 and path == DEV_INBOX_PATH)
