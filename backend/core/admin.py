from django.contrib import admin
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import RateLimited
from core.http import client_ip


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records that tell what happened: nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Session key set only by a successful password login on the admin's own login page.
ADMIN_PASSWORD_LOGIN = "admin_password_login"


class PasswordAdminSite(admin.AdminSite):
    """The admin, opened only by the account's password, never by an SMS code alone.

    A staff account logged in through the browser UI holds a session that 4 digits from an
    SMS opened; the admin asks it for the password on its login page (Django's admin login,
    which also refuses non-staff accounts) and marks the session when the password was
    right. Sessions made any other way (the UI's code login, an older session) lack the
    mark, so the admin sends them to its login page.
    """

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and (
            request.session.get(ADMIN_PASSWORD_LOGIN) is True
        )

    def login(self, request, extra_context=None):
        """Django's admin login, with every password try counted against the client
        address (ADMIN_LOGIN_FAILURES_HOURLY_LIMIT): beyond the limit the page answers 429,
        even to the right password, and a successful login gives its try back."""
        if request.method != "POST":
            return super().login(request, extra_context)
        try:
            attempt = ratelimit.reserve("admin.login", net=client_ip(request))
        except RateLimited as exc:
            return _refusal_page(exc)
        response = super().login(request, extra_context)
        # The admin's login view redirects only after auth_login() accepted the password.
        if response.status_code == 302 and request.user.is_authenticated and request.user.is_staff:
            attempt.release()
            request.session[ADMIN_PASSWORD_LOGIN] = True
        return response


def _refusal_page(refusal: RateLimited) -> HttpResponse:
    """The admin login's answer beyond its limit: a plain page, 429 with Retry-After."""
    page = format_html(
        '<!doctype html><html><head><meta charset="utf-8"><title>{}</title></head>'
        "<body><h1>{}</h1><p>{}</p></body></html>",
        _("Too many requests."),
        _("Too many requests."),
        refusal.text,
    )
    response = HttpResponse(page, status=refusal.status)
    response["Retry-After"] = str(refusal.retry_after)
    return response
