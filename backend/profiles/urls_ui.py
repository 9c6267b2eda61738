"""Browser UI of the profile (the API lives in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="ui-profile"),
    path("profile/activate/", views.activate_view, name="ui-profile-activate"),
    path("profile/edit/", views.edit_view, name="ui-profile-edit"),
    path("profile/phone/", views.phone_view, name="ui-profile-phone"),
    path("profile/delete/", views.delete_view, name="ui-profile-delete"),
]
