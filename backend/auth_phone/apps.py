from django.apps import AppConfig


class AuthPhoneConfig(AppConfig):
    name = "auth_phone"
    verbose_name = "Phone login"

    def ready(self) -> None:
        from tasks.services import register_code_task

        from . import checks  # noqa: F401 - registers the system checks
        from .tasks import deliver_login_code

        # The delivery app's outbox sweep publishes lost login-code SMS to this task.
        register_code_task(deliver_login_code)
