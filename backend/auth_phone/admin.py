from django.contrib import admin

from .models import LoginCode


@admin.register(LoginCode)
class LoginCodeAdmin(admin.ModelAdmin):
    """Read-only, and without the code hash: operators see when codes were issued and used."""

    list_display = ("id", "user", "created_at", "expires_at", "attempts", "used_at")
    list_select_related = ("user",)
    search_fields = ("user__phone",)
    ordering = ("-created_at",)
    fields = ("user", "created_at", "expires_at", "attempts", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
