"""Browser UI of the phone login (the API lives in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.phone_view, name="ui-phone"),
    path("login/code/", views.code_view, name="ui-code"),
    path("logout/", views.logout_view, name="ui-logout"),
    path("profile/edit/", views.edit_view, name="ui-profile-edit"),
    path("profile/phone/", views.change_phone_view, name="ui-profile-phone"),
    path("profile/confirm/", views.reauth_view, name="ui-profile-reauth"),
    path(
        "profile/sessions/<uuid:session_id>/end/",
        views.session_end_view,
        name="ui-session-end",
    ),
    path("profile/sessions/end-all/", views.logout_all_view, name="ui-logout-all"),
]
