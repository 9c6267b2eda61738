from django.contrib import admin
from django.db.models import Count

from .models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Users are created by the phone login (or `createsuperuser`); the referral links are
    written only by the activation service, which guards against cycles, so they are
    shown here but not editable."""

    list_display = (
        "phone",
        "invite_code",
        "referrer",
        "activated_code",
        "referrals_count",
        "date_joined",
        "is_active",
        "is_staff",
    )
    list_select_related = ("referred_by",)
    list_filter = ("is_active", "is_staff")
    search_fields = ("phone", "invite_code", "activated_code")
    ordering = ("-date_joined",)
    readonly_fields = (
        "phone",
        "invite_code",
        "referred_by",
        "activated_code",
        "referred_at",
        "referrals_count",
        "phone_verified_at",
        "date_joined",
        "last_login",
    )
    fieldsets = (
        (None, {"fields": ("phone", "email", "first_name", "last_name", "avatar")}),
        (
            "Invite codes",
            {
                "fields": (
                    "invite_code",
                    "referred_by",
                    "activated_code",
                    "referred_at",
                    "referrals_count",
                )
            },
        ),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("phone_verified_at", "date_joined", "last_login")}),
    )
    filter_horizontal = ("groups", "user_permissions")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_referrals_count=Count("referrals"))

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="referrer", ordering="referred_by__phone")
    def referrer(self, obj: User) -> str | None:
        return obj.referred_by.phone if obj.referred_by else None

    @admin.display(description="referrals", ordering="_referrals_count")
    def referrals_count(self, obj: User) -> int:
        return obj._referrals_count  # type: ignore[attr-defined]  # annotated by get_queryset
