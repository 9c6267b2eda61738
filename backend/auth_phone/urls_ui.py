"""Browser UI of the phone login (the API lives in urls.py)."""

from django.urls import path

from . import phone_change_views, views

urlpatterns = [
    path("", views.phone_view, name="ui-phone"),
    path("login/code/", views.code_view, name="ui-code"),
    path("logout/", views.logout_view, name="ui-logout"),
    path("profile/edit/", phone_change_views.edit_view, name="ui-profile-edit"),
    path("profile/phone/", phone_change_views.phone_view, name="ui-profile-phone"),
]
