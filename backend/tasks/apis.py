from datetime import datetime

from django.http import Http404
from rest_framework.response import Response
from rest_framework.views import APIView

from . import schema, selectors, sms
from .serializers import (
    DevInboxOutput,
    DevInboxQuery,
    TaskIdInput,
    TaskStatusOutput,
    TaskStatusStaffOutput,
)


@schema.dev_inbox
class DevInboxApi(APIView):
    authentication_classes: list = []

    def get(self, request):
        if not sms.dev_inbox_enabled():
            raise Http404
        query = DevInboxQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        message = sms.read_dev_inbox(query.validated_data["phone"])
        if message is None:
            raise Http404
        # `sent_at` is ISO text in the cache (the browser UI compares it); as a datetime it
        # renders like every other timestamp of the API (`...Z`).
        message = {
            **message,
            "code": sms.code_in_text(message["text"]),
            "sent_at": datetime.fromisoformat(message["sent_at"]),
        }
        return Response(DevInboxOutput(message).data)


@schema.task_status
class TaskStatusApi(APIView):
    def get(self, request, task_id):
        query = TaskIdInput(data={"task_id": task_id})
        query.is_valid(raise_exception=True)
        task = selectors.get_task_status(task_id=str(query.validated_data["task_id"]))
        staff = bool(request.user and request.user.is_authenticated and request.user.is_staff)
        output = TaskStatusStaffOutput if staff else TaskStatusOutput
        return Response(output(task).data)
