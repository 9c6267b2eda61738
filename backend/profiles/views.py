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
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotFound

from . import selectors
from .errors import InviteCodeNotFound
from .forms import ActivateInviteForm
from .models import User
from .services import invites, users

REFERRALS_PER_PAGE = 20
# Session key of an invite link followed before logging in: the login pages (auth_phone)
# keep it, the profile page offers it.
INVITE_CODE = "invite_code"


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


def account_gone(request: HttpRequest) -> HttpResponse:
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
            user = invites.activate_invite_code(user=request.user, code=form.cleaned_data["code"])
        except NotFound:
            return account_gone(request)
        except InviteCodeNotFound as exc:  # the API keeps the seed's wording; people get this
            form.add_error(
                "code", _("There is no invite code %(code)s. Check it and try again.") % exc.params
            )
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
def delete_view(request: UserRequest) -> HttpResponse:
    if request.method == "POST":
        users.delete_user(user=request.user)
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("ui-phone")
    return render(request, "profiles/delete.html")
