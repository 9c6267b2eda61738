"""Webhooks in the admin: endpoints (editable; why one was disabled), and the delivery log
with every attempt (status, duration, error) and a "send again" action.

Every page needs the model's permission (view to look, change for the actions), not just a
staff account. An endpoint's secret is shown once, on the page after the endpoint is added
or its secret replaced, and never again: no form, list or read-only view holds it."""

import secrets

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse

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

    class Meta:
        model = WebhookEndpoint
        fields: tuple[str, ...] = ("url", "events", "active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            safety.check_url(url)
        except safety.UrlRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_events(self):
        return services.validate_events(self.cleaned_data["events"])


class WebhookEndpointAddForm(WebhookEndpointForm):
    secret = forms.CharField(
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput,
        help_text="Leave empty to have one made. Shown once, on the next page.",
    )

    class Meta(WebhookEndpointForm.Meta):
        fields = ("url", "secret", "events", "active")


class WebhookEndpointChangeForm(WebhookEndpointForm):
    new_secret = forms.BooleanField(
        required=False,
        label="Replace the secret",
        help_text="A new secret is made and shown once, on the next page; deliveries are "
        "signed with it from then on.",
    )


# Set on the request by save_model, read by the response that shows it (once).
_SECRET_TO_SHOW = "webhook_secret_to_show"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointChangeForm
    add_form = WebhookEndpointAddForm
    list_display = ("url", "events", "active", "consecutive_failures", "disabled_reason")
    list_filter = ("active",)
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_at")
    actions = ("enable",)
    secret_template = "admin/webhooks/webhookendpoint/secret_once.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs.setdefault("form", self.add_form)
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [f for f in fields if f != "new_secret"]  # a viewer replaces nothing
        return fields

    def save_model(self, request, obj, form, change):
        secret = None
        if not change:
            secret = form.cleaned_data["secret"] or secrets.token_urlsafe(32)
        elif form.cleaned_data.get("new_secret"):
            secret = secrets.token_urlsafe(32)
        if secret is not None:
            obj.secret = secret
            setattr(request, _SECRET_TO_SHOW, secret)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_secret(request, obj) or super().response_add(request, obj)

    def response_change(self, request, obj):
        return self._show_secret(request, obj) or super().response_change(request, obj)

    def _show_secret(self, request, obj):
        """The page that shows a secret just set, instead of a redirect: a message would
        keep it in a cookie or the session until read."""
        secret = getattr(request, _SECRET_TO_SHOW, None)
        if secret is None:
            return None
        info = (self.opts.app_label, self.opts.model_name)
        context = {
            **self.admin_site.each_context(request),
            "title": "Webhook endpoint secret",
            "opts": self.opts,
            "endpoint": obj,
            "secret": secret,
            "change_url": reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
            "changelist_url": reverse("admin:{}_{}_changelist".format(*info)),
        }
        return TemplateResponse(request, self.secret_template, context)

    @admin.action(description="Enable again (resets the failure count)", permissions=["change"])
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
        # The model's change permission, for the action; every field stays read-only.
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    @admin.action(description="Send again (same event id, fresh attempts)", permissions=["change"])
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
