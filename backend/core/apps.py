from django.contrib.admin.apps import AdminConfig


class PasswordAdminConfig(AdminConfig):
    """django.contrib.admin with core.admin.PasswordAdminSite as `admin.site`."""

    default_site = "core.admin.PasswordAdminSite"
