"""A large profile answer is freed as soon as it is sent, without waiting for the cyclic
garbage collector (which runs by object counts and let web workers grow)."""

import gc
import weakref

import pytest
from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from auth_phone.apis import ProfileUpdateApi
from core.http import ReleaseResponseMixin
from profiles.apis import ProfileApi
from tests.phones import RU_ALL_ZEROS


@pytest.fixture
def without_cyclic_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def answer_ref(view_class, user, method: str = "get") -> weakref.ref:
    factory = APIRequestFactory()
    if method == "get":
        request = factory.get(f"/users/{user.pk}/")
    else:
        request = factory.patch(f"/users/update/{user.pk}/", {"first_name": "Ann"}, format="json")
    force_authenticate(request, user=user)
    response = view_class.as_view()(request, pk=str(user.pk))
    response.render()
    assert response.status_code == 200, response.content
    response.close()
    return weakref.ref(response)


class PlainApi(APIView):
    def get(self, request, pk):
        return Response({"users_list": [RU_ALL_ZEROS] * 10})


def test_plain_drf_answers_wait_for_the_cyclic_collector(user, without_cyclic_gc):
    ref = answer_ref(PlainApi, user)
    assert ref() is not None  # kept alive by the view <-> request cycle
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("view_class, method", [(ProfileApi, "get"), (ProfileUpdateApi, "patch")])
def test_profile_answers_are_freed_once_sent(user, without_cyclic_gc, view_class, method):
    assert answer_ref(view_class, user, method)() is None


class PlainDjangoApi(ReleaseResponseMixin, APIView):
    def get(self, request):
        return HttpResponse(b'{"status": "ok"}', content_type="application/json")


def test_a_plain_django_answer_is_freed_too(user, without_cyclic_gc):
    request = APIRequestFactory().get("/plain/")
    force_authenticate(request, user=user)
    response = PlainDjangoApi.as_view()(request)
    assert response.content == b'{"status": "ok"}'
    ref = weakref.ref(response)
    del response
    assert ref() is None
