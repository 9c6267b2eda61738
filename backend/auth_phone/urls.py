from django.urls import path

from . import apis

urlpatterns = [
    path("auth/sms/", apis.SmsCodeRequestApi.as_view(), name="sms-code-request"),
    path("users/login/", apis.LoginApi.as_view(), name="login"),
    path("users/token/refresh/", apis.TokenRefreshApi.as_view(), name="token-refresh"),
    path("users/logout/", apis.LogoutApi.as_view(), name="logout"),
    path("users/logout/all/", apis.LogoutAllApi.as_view(), name="logout-all"),
    path("users/sessions/", apis.SessionListApi.as_view(), name="sessions"),
    # `str`, not `uuid`: a malformed id reaches the view and answers the API's JSON 404.
    path("users/sessions/<str:session_id>/", apis.SessionEndApi.as_view(), name="session-end"),
    path(".well-known/jwks.json", apis.JwksApi.as_view(), name="jwks"),
]
