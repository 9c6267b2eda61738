"""Template views of the profile."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def profile_view(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/profile.html", {"profile_user": request.user})
