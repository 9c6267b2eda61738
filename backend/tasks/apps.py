from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "SMS delivery and tasks"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
