"""The delivery log in the admin: read-only, for operators watching SMS delivery.

Task results (name, state, arguments = the delivery id only) are django-celery-results'
own admin, linked from each delivery.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyModelAdmin

from . import sms
from .models import SmsDelivery


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "phone",
        "backend",
        "status",
        "attempts",
        "sent_at",
        "provider",
        "receipt",
        "provider_message_id",
        "language",
        "segments",
        "scenario",
        "task_result",
    )
    list_filter = (
        "status",
        "backend",
        "scenario",
        "language",
        "receipt",
        "provider",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("phone", "=task_id")
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = (
        "phone",
        "backend",
        "status",
        "attempts",
        "provider",
        "provider_message_id",
        "receipt",
        "receipt_at",
        "receipt_checks",
        "error",
        "language",
        "segments",
        "scenario",
        "task_id",
        "task_result",
        "login_code",
        "created_at",
        "updated_at",
        "sent_at",
    )
    readonly_fields = fields
    change_list_template = "admin/tasks/smsdelivery/change_list.html"

    def changelist_view(self, request, extra_context=None):
        # The numbers that are sent nothing, above the log: operators see which rows they
        # explain. Not their codes: those stay in the configuration.
        extra_context = {
            **(extra_context or {}),
            "test_numbers": sorted(settings.SMS_TEST_NUMBERS),
            "scenario_numbers": sorted(sms.SCENARIO_NUMBERS.items())
            if settings.SMS_BACKEND == "simulated"
            else [],
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description="task result")
    def task_result(self, obj: SmsDelivery) -> str:
        url = reverse("admin:django_celery_results_taskresult_changelist")
        return format_html(
            '<a href="{}?{}">{}</a>', url, urlencode({"task_id": obj.task_id}), obj.task_id
        )
