"""Browser UI of the profile (the API lives in urls.py; the edit page, which may change
the phone number, and its code page are auth_phone.urls_ui)."""

from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="ui-profile"),
    path("profile/activate/", views.activate_view, name="ui-profile-activate"),
    path("profile/delete/", views.delete_view, name="ui-profile-delete"),
]
