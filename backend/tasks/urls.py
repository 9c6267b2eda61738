from django.urls import path

from . import apis

urlpatterns = [
    path("dev/sms/", apis.DevInboxApi.as_view(), name="dev-sms-inbox"),
]
