from django.urls import path

from . import apis

urlpatterns = [
    path("dev/sms/", apis.DevInboxApi.as_view(), name="dev-sms-inbox"),
    path("tasks/<str:task_id>/", apis.TaskStatusApi.as_view(), name="task-status"),
]
