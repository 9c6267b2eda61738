from django.urls import path

from . import apis

# `pk` is a string so that "me" and any malformed id reach the view, which answers them
# like another user's id: the same JSON 404. The update routes that may change the phone
# number are auth_phone.urls_phone_change, included right after these.
urlpatterns = [
    path("users/<str:pk>/", apis.ProfileApi.as_view(), name="profile"),
    path("users/<str:pk>/referrals/", apis.ReferralListApi.as_view(), name="profile-referrals"),
    path("users/delete/<str:pk>/", apis.ProfileDeleteApi.as_view(), name="profile-delete"),
]
