"""The profile-update API that may change the phone number (profiles.urls holds the rest
of /users/...; project.urls includes this after it, so the routes keep their order)."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "users/update/<str:pk>/",
        apis.ProfileUpdateApi.as_view(),
        name="profile-update",
    ),
    path(
        "users/update/sms/<str:pk>/",
        apis.PhoneChangeConfirmApi.as_view(),
        name="profile-phone-confirm",
    ),
]
