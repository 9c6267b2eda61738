from django.contrib.admin.apps import AdminConfig


class PasswordAdminConfig(AdminConfig):
    """django.contrib.admin with project.admin.PasswordAdminSite as `admin.site`."""

    default_site = "project.admin.PasswordAdminSite"
