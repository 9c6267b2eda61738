from django.apps import AppConfig


class AuthPhoneConfig(AppConfig):
    name = "auth_phone"
    verbose_name = "Phone login"
