from django.contrib import admin


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
        response = super().login(request, extra_context)
        # The admin's login view redirects only after auth_login() accepted the password.
        if (
            request.method == "POST"
            and response.status_code == 302
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            request.session[ADMIN_PASSWORD_LOGIN] = True
        return response
