"""Template views of the profile's edit page and of the code of a change of number: the
same services as the API (auth_phone.phone_change_apis), for the visitor logged in by
session. They live here, beside the code flow they drive, so that profiles never imports
the phone login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from core.http import client_ip
from profiles.forms import ProfileForm
from profiles.views import UserRequest, account_gone
from tasks import sms

from . import phone_change
from .forms import CodeForm

# Session key: when the code of the pending change of number was asked (for the dev inbox).
PHONE_CHANGE_REQUESTED_AT = "phone_change_requested_at"


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: UserRequest) -> HttpResponse:
    user = request.user
    initial = {
        "phone": user.phone,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        requested_at = timezone.now()  # before the call: an eager task delivers within it
        try:
            user, pending = phone_change.update_profile(
                user=user, client_ip=client_ip(request), **form.changes()
            )
        except NotFound:
            return account_gone(request)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, _("Your profile has been saved."))
            if pending is not None:
                request.session[PHONE_CHANGE_REQUESTED_AT] = requested_at.isoformat()
                return redirect("ui-profile-phone")
            return redirect("ui-profile")
    context = {"form": form, "pending_phone": phone_change.get_pending_phone(user=user)}
    return render(request, "profiles/edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def phone_view(request: UserRequest) -> HttpResponse:
    """Enter the code sent to the new number of a pending change of number."""
    pending = phone_change.get_pending_phone(user=request.user)
    if pending is None:
        return redirect("ui-profile-edit")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_change.confirm_phone_change(
                user=request.user, phone=pending, code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            form.add_error("code", exc.text)
        else:
            request.session.pop(PHONE_CHANGE_REQUESTED_AT, None)
            messages.success(request, _("Your phone number is now %(phone)s.") % {"phone": pending})
            return redirect("ui-profile")
    context = {"form": form, "phone": pending}
    if sms.dev_inbox_enabled():
        since = request.session.get(PHONE_CHANGE_REQUESTED_AT)
        context["dev_inbox"] = {
            "message": sms.delivered_since(pending, since),
            "url": reverse("dev-sms-inbox") + "?" + urlencode({"phone": pending}),
            "since": since,
        }
    return render(request, "profiles/phone.html", context)
