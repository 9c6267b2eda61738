from django.contrib import admin

from core.admin import ReadOnlyModelAdmin

from .models import LoginCode, Session


@admin.register(LoginCode)
class LoginCodeAdmin(ReadOnlyModelAdmin):
    """Read-only, and without the code hash: operators see when codes were issued and used."""

    list_display = ("id", "user", "purpose", "created_at", "expires_at", "attempts", "used_at")
    list_select_related = ("user",)
    list_filter = ("purpose",)
    search_fields = ("user__phone", "phone")
    ordering = ("-created_at",)
    fields = ("user", "purpose", "phone", "created_at", "expires_at", "attempts", "used_at")
    readonly_fields = fields


@admin.register(Session)
class SessionAdmin(ReadOnlyModelAdmin):
    """Read-only, one row per login; `revoked_at` tells when a reused refresh token or a
    logout ended it. No token is listed (none is stored)."""

    list_display = ("id", "user", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__phone",)
    ordering = ("-created_at",)
    fields = (
        "id", "user", "created_at", "last_used_at", "expires_at", "revoked_at",
        "created_ip", "user_agent",
    )  # fmt: skip
    readonly_fields = fields
