"""System checks of the login SMS (run by `manage.py check` and at start)."""

from django.conf import settings
from django.core import checks

from tasks import sms


@checks.register(checks.Tags.compatibility)
def sms_texts_fit_one_segment(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every code SMS, in every language, with this deployment's code length, TTL and
    autofill lines, fits one segment; beyond it each SMS is billed two or more times."""
    from .models import LoginCode
    from .services.delivery import render_text

    code = "0" * settings.LOGIN_CODE_LENGTH
    too_long = sorted(
        f"{purpose} ({language}): {sms.segments_of(text)} segments"
        for language, _name in settings.LANGUAGES
        for purpose in LoginCode.Purpose.values
        if sms.segments_of(text := render_text(code, purpose, language)) > 1
    )
    if not too_long:
        return []
    return [
        checks.Warning(
            "Login SMS take more than one segment: " + "; ".join(too_long) + ".",
            hint="Shorten SMS_WEBOTP_DOMAIN, or leave SMS_ANDROID_APP_HASH or "
            "SMS_WEBOTP_DOMAIN unset (docs/sms.md).",
            id="auth_phone.W001",
        )
    ]
