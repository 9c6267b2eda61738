"""System checks of the delivery settings (run by `manage.py check` and at start)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def visibility_timeout_below_code_lifetime(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A task re-delivered after its worker died must still find its code alive."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    timeout = options.get("visibility_timeout")
    if timeout is None or timeout < settings.LOGIN_CODE_TTL:
        return []
    return [
        checks.Warning(
            f"CELERY_VISIBILITY_TIMEOUT ({timeout} s) is not below LOGIN_CODE_TTL "
            f"({settings.LOGIN_CODE_TTL} s): an SMS re-delivered after a worker died would "
            "carry an expired code.",
            hint="Lower CELERY_VISIBILITY_TIMEOUT (default 120) or raise LOGIN_CODE_TTL.",
            id="tasks.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def simulated_sender_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: a production (DEBUG off) with the simulated sender sends no SMS."""
    if settings.DEBUG or settings.SMS_BACKEND != "simulated":
        return []
    return [
        checks.Warning(
            "SMS_BACKEND is 'simulated' while DJANGO_DEBUG is off: nobody receives a login "
            "code, so nobody can log in.",
            hint="Set SMS_BACKEND=smsaero and the SMSAERO_* settings in production.",
            id="tasks.W002",
        )
    ]


@checks.register(checks.Tags.compatibility)
def sms_backends_exist(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every name in SMS_BACKEND is a sender: a typo would otherwise surface only when the
    first SMS fails in a worker."""
    from django.utils.module_loading import import_string

    from . import sms

    unknown = []
    for name in sms.backends():
        if name in sms.SENDERS:
            continue
        try:
            import_string(name)
        except ImportError:
            unknown.append(name)
    if not sms.backends() or unknown:
        return [
            checks.Error(
                f"SMS_BACKEND names no known sender: {', '.join(unknown) or 'empty'}.",
                hint=f"Use {', '.join(sms.SENDERS)} (comma-separated, in order of "
                "preference) or the dotted path of a sender class.",
                id="tasks.E001",
            )
        ]
    return []
