from django.urls import path

from . import apis

# `pk` is a string so that "me" and any malformed id reach the view, which answers them
# like another user's id: the same JSON 404.
urlpatterns = [
    path("users/<str:pk>/", apis.ProfileApi.as_view(), name="profile"),
    path("users/<str:pk>/referrals/", apis.ReferralListApi.as_view(), name="profile-referrals"),
    path("users/update/<str:pk>/", apis.ProfileUpdateApi.as_view(), name="profile-update"),
    path(
        "users/update/sms/<str:pk>/",
        apis.PhoneChangeConfirmApi.as_view(),
        name="profile-phone-confirm",
    ),
    path("users/delete/<str:pk>/", apis.ProfileDeleteApi.as_view(), name="profile-delete"),
]
