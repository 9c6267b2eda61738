"""Webhooks in the admin: endpoints (editable; why one was disabled), and the delivery log
with every attempt (status, duration, error) and a "send again" action."""

from django import forms
from django.contrib import admin, messages

from core.admin import ReadOnlyModelAdmin

from . import safety, services
from .events import ALL, EVENT_TYPES
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(ALL, "* (every event)")] + [(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "secret", "events", "active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            safety.check_url(url)
        except safety.UrlRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_events(self):
        return services.validate_events(self.cleaned_data["events"])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "events", "active", "consecutive_failures", "disabled_reason")
    list_filter = ("active",)
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_at")
    actions = ("enable",)

    @admin.action(description="Enable again (resets the failure count)")
    def enable(self, request, queryset):
        for endpoint in queryset:
            services.enable_endpoint(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} endpoint(s) enabled.")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "started_at", "status_code", "duration_ms", "success", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "last_error")
    list_filter = ("status", "event__type", "endpoint")
    list_select_related = ("event", "endpoint")
    search_fields = ("=event__id",)
    fields = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "delivered_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    actions = ("send_again",)

    def has_change_permission(self, request, obj=None) -> bool:
        return True  # for the action; every field is read-only

    @admin.action(description="Send again (same event id, fresh attempts)")
    def send_again(self, request, queryset):
        for delivery in queryset:
            services.send_again(delivery=delivery)
        self.message_user(
            request, f"{queryset.count()} delivery(ies) queued again.", messages.SUCCESS
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "type", "id")
    list_filter = ("type",)
    search_fields = ("=id",)
    fields = ("id", "type", "data", "created_at")
    readonly_fields = fields
