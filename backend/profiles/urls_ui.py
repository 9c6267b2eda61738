"""Browser UI of the profile (the API lives in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="ui-profile"),
]
