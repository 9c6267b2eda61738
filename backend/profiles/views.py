"""Template views of the profile: the same selectors and services as the API, for the
visitor logged in by session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auth_phone.views import INVITE_CODE, _delivered_sms
from project.errors import DomainError, NotFound
from project.http import client_ip
from tasks import sms

from . import phone_change, selectors, services
from .forms import ActivateInviteForm, PhoneCodeForm, ProfileForm
from .models import User

REFERRALS_PER_PAGE = 20
# Session key: when the code of the pending change of number was asked (for the dev inbox).
PHONE_CHANGE_REQUESTED_AT = "phone_change_requested_at"


class UserRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is a logged-in User."""

    user: User


def _render_profile(request: UserRequest, activate_form: ActivateInviteForm | None = None):
    user = request.user
    profile = selectors.get_profile(user=user)
    if profile.user_referral is not None:
        request.session.pop(INVITE_CODE, None)  # nothing left to offer
        if activate_form is not None:  # sent from a page that still had the form
            for error in activate_form.errors.get("code", []):
                messages.error(request, str(error))
        activate_form = None
    elif activate_form is None:
        activate_form = ActivateInviteForm(initial={"code": request.session.get(INVITE_CODE)})
    referrals = Paginator(selectors.list_referrals(user=user), REFERRALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    share_url = request.build_absolute_uri(
        reverse("ui-phone") + "?" + urlencode({"invite": profile.self_referral})
    )
    return render(
        request,
        "profiles/profile.html",
        {
            "profile": profile,
            "referrals": referrals,
            "share_url": share_url,
            "activate_form": activate_form,
            "invited_with": request.session.get(INVITE_CODE),
        },
    )


def _account_gone(request: HttpRequest) -> HttpResponse:
    """The account was deleted while this request ran (another tab, the API): what the
    API answers with 404, the UI answers by ending the session, as a deleted account's
    next page would."""
    logout(request)
    return redirect("ui-phone")


@login_required
@require_GET
def profile_view(request: UserRequest) -> HttpResponse:
    return _render_profile(request)


@login_required
@require_POST
def activate_view(request: UserRequest) -> HttpResponse:
    form = ActivateInviteForm(request.POST)
    if form.is_valid():
        try:
            user = services.activate_invite_code(user=request.user, code=form.cleaned_data["code"])
        except NotFound:
            return _account_gone(request)
        except DomainError as exc:
            form.add_error("code", exc.text)
        else:
            request.session.pop(INVITE_CODE, None)
            messages.success(
                request, _("Invite code %(code)s activated.") % {"code": user.activated_code}
            )
            return redirect("ui-profile")
    return _render_profile(request, activate_form=form)


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
            return _account_gone(request)
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
    form = PhoneCodeForm(request.POST or None)
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
            "message": _delivered_sms(pending, since),
            "url": reverse("dev-sms-inbox") + "?" + urlencode({"phone": pending}),
            "since": since,
        }
    return render(request, "profiles/phone.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def delete_view(request: UserRequest) -> HttpResponse:
    if request.method == "POST":
        services.delete_user(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("ui-phone")
    return render(request, "profiles/delete.html")
