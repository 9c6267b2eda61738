from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyModelAdmin

from .models import LoginCode, RouteSuspension, Session
from .services.routes import lift_route_suspension


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


@admin.register(RouteSuspension)
class RouteSuspensionAdmin(ReadOnlyModelAdmin):
    """The country calling codes the conversion guard suspended, with its figures; the
    action lifts a suspension that still holds, at once. Nothing else is edited here."""

    list_display = (
        "route", "state", "suspended_at", "until", "requested", "used", "lifted_at", "lifted_by",
    )  # fmt: skip
    list_select_related = ("lifted_by",)
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    search_fields = ("calling_code",)
    ordering = ("-suspended_at",)
    fields = (
        "calling_code",
        "suspended_at",
        "until",
        "requested",
        "used",
        "lifted_at",
        "lifted_by",
    )
    readonly_fields = fields
    actions = ["lift"]

    @admin.display(description=_("calling code"), ordering="calling_code")
    def route(self, obj: RouteSuspension) -> str:
        return f"+{obj.calling_code}"

    @admin.display(description=_("state"))
    def state(self, obj: RouteSuspension) -> str:
        if obj.lifted_at is not None:
            return str(_("lifted"))
        return str(_("suspended") if obj.holds(timezone.now()) else _("ended"))

    def has_lift_permission(self, request) -> bool:
        return request.user.has_perm("auth_phone.change_routesuspension")

    @admin.action(description=_("Lift the selected suspensions"), permissions=["lift"])
    def lift(self, request, queryset) -> None:
        lifted = [s for s in queryset if lift_route_suspension(suspension=s, by=request.user)]
        if lifted:
            routes = ", ".join(f"+{s.calling_code}" for s in lifted)
            self.message_user(
                request,
                ngettext(
                    "Lifted: %(routes)s. Codes go out to it again.",
                    "Lifted: %(routes)s. Codes go out to them again.",
                    len(lifted),
                )
                % {"routes": routes},
                messages.SUCCESS,
            )
        if len(lifted) < len(queryset):
            self.message_user(
                request,
                _("Suspensions that had ended or were lifted already were left as they were."),
                messages.WARNING,
            )
