"""Template views of the phone login, of the profile's edit page and of the code of a change
of number: the same services as the API, a session instead of JWT."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotFound
from core.http import client_ip, requested_language
from profiles.forms import ProfileForm
from profiles.views import INVITE_CODE, UserRequest, account_gone
from tasks import selectors, sms
from tasks.models import SmsDelivery

from .errors import ReauthenticationRequired
from .forms import CodeForm, PhoneForm
from .services import codes, phone_change, sessions

# Session keys of the login in progress.
LOGIN_PHONE = "login_phone"
LOGIN_REQUESTED_AT = "login_requested_at"
LOGIN_NEW_ACCOUNT = "login_new_account"  # the phone whose account the login created
LOGIN_TASK_ID = "login_task_id"  # the task of the code's SMS: the page shows its state
# When this browser last logged in with a code (ISO 8601): a change of number needs it recent.
AUTH_TIME = "auth_time"
REAUTH_CODE_SENT = "reauth_code_sent"
INVITE_CODE_MAX_LENGTH = 32


def remember_invite(request: HttpRequest) -> None:
    """Keep `?invite=CODE` in the session; the profile page offers it for activation."""
    code = request.GET.get("invite", "").strip()
    if code:
        code = code.upper() if code.isascii() else code  # as the API reads it
        request.session[INVITE_CODE] = code[:INVITE_CODE_MAX_LENGTH]


def _send_code(request: HttpRequest, phone: str) -> None:
    """Ask for a code for `phone` and note it in the session. Raises DomainError."""
    requested_at = timezone.now()  # before the call: an eager task delivers within it
    result = codes.request_login_code(
        phone=phone, client_ip=client_ip(request), language=requested_language(request)
    )
    request.session[LOGIN_PHONE] = phone
    request.session[LOGIN_REQUESTED_AT] = requested_at.isoformat()
    request.session[LOGIN_TASK_ID] = result.task_id
    if result.created:  # welcomed once the code is in (code_view)
        request.session[LOGIN_NEW_ACCOUNT] = phone


def _dev_inbox(phone: str, since) -> dict | None:
    """What the page's development inbox shows (includes/dev_inbox.html): the simulated SMS
    to `phone` since `since`, and where to ask for it; None unless SMS_DEV_INBOX is on."""
    if not sms.dev_inbox_enabled():
        return None
    return {
        "message": sms.delivered_since(phone, since),
        "url": reverse("dev-sms-inbox") + "?" + urlencode({"phone": phone}),
        "since": since,
    }


@require_http_methods(["GET", "POST"])
def phone_view(request: HttpRequest) -> HttpResponse:
    remember_invite(request)
    if request.user.is_authenticated:
        return redirect("ui-profile")
    form = PhoneForm(request.POST or None, initial={"phone": request.session.get(LOGIN_PHONE)})
    if request.method == "POST" and form.is_valid():
        try:
            _send_code(request, form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error("phone", exc.text)
        else:
            return redirect("ui-code")
    return render(
        request,
        "auth_phone/phone.html",
        {"form": form, "invite_code": request.session.get(INVITE_CODE)},
    )


def _sms_state(task_id: str | None) -> dict | None:
    """The delivery state of the code's SMS, as the code page shows it: sending, retrying,
    sent (with the attempt that got through), failed or stale. A test number's skipped
    delivery shows as sent: the page answers as for any number."""
    state = selectors.get_delivery_state(task_id=task_id) if task_id else None
    if state is None:
        return None
    status = state.status
    if status in (SmsDelivery.Status.QUEUED, SmsDelivery.Status.SENDING):
        status = "sending"
    elif status == SmsDelivery.Status.SKIPPED:
        status = SmsDelivery.Status.SENT
    return {"status": status, "attempts": state.attempts, "final": state.final}


def _code_page(
    request: HttpRequest, phone: str, form: CodeForm, resend_error: str | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "phone": phone,
        "resend_error": resend_error,
        "sms_state": _sms_state(request.session.get(LOGIN_TASK_ID)),
    }
    context["dev_inbox"] = _dev_inbox(phone, request.session.get(LOGIN_REQUESTED_AT))
    return render(request, "auth_phone/code.html", context)


@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    """Enter the code sent to the phone of the login in progress. The page's "send a new
    code" button posts `action=resend` to the same address (resend_view)."""
    phone = request.session.get(LOGIN_PHONE)
    if request.user.is_authenticated:
        return redirect("ui-profile")
    if not phone:
        return redirect("ui-phone")
    if request.method == "GET":
        return _code_page(request, phone, CodeForm())
    if request.POST.get("action") == "resend":
        return resend_view(request, phone)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            user = codes.verify_login_code(
                phone=phone, code=form.cleaned_data["code"], client_ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_error("code", exc.text)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[AUTH_TIME] = timezone.now().isoformat()
            request.session.pop(LOGIN_PHONE, None)
            request.session.pop(LOGIN_REQUESTED_AT, None)
            request.session.pop(LOGIN_TASK_ID, None)
            if request.session.pop(LOGIN_NEW_ACCOUNT, None) == phone:
                messages.success(request, _("Welcome! Your account has been created."))
            else:
                messages.success(request, _("You are logged in."))
            return redirect("ui-profile")
    return _code_page(request, phone, form)


def resend_view(request: HttpRequest, phone: str) -> HttpResponse:
    """Send a new code to the phone of the login in progress (the code page's POST with
    `action=resend`); a refusal (cooldown, rate limit) shows on the code page."""
    try:
        _send_code(request, phone)
    except DomainError as exc:
        return _code_page(request, phone, CodeForm(), resend_error=exc.text)
    messages.success(request, _("A new code is on its way."))
    return redirect("ui-code")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You are logged out."))
    return redirect("ui-phone")


def _auth_time(request: HttpRequest) -> datetime | None:
    value = request.session.get(AUTH_TIME)
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def reauth_view(request: UserRequest) -> HttpResponse:
    """Prove the account's current number again with a fresh code (before a change of
    number): `action=send` sends it, the code form checks it."""
    phone = request.user.phone
    form = CodeForm(request.POST if request.POST.get("action") != "send" else None)
    send_error = None
    if request.method == "POST" and request.POST.get("action") == "send":
        requested_at = timezone.now()
        try:
            codes.request_login_code(phone=phone, client_ip=client_ip(request))
        except DomainError as exc:
            send_error = exc.text
        else:
            request.session[REAUTH_CODE_SENT] = requested_at.isoformat()
            return redirect("ui-profile-reauth")
    elif request.method == "POST" and form.is_valid():
        try:
            codes.verify_login_code(
                phone=phone, code=form.cleaned_data["code"], client_ip=client_ip(request)
            )
        except DomainError as exc:
            form.add_error("code", exc.text)
        else:
            request.session[AUTH_TIME] = timezone.now().isoformat()
            request.session.pop(REAUTH_CODE_SENT, None)
            messages.success(request, _("Confirmed. Now enter the new number."))
            return redirect("ui-profile-edit")
    since = request.session.get(REAUTH_CODE_SENT)
    context = {"form": form, "phone": phone, "code_sent": bool(since), "send_error": send_error}
    if since:
        context["dev_inbox"] = _dev_inbox(phone, since)
    return render(request, "auth_phone/reauth.html", context)


@login_required
@require_POST
def session_end_view(request: UserRequest, session_id: str) -> HttpResponse:
    try:
        sessions.end_session(user=request.user, session_id=session_id)
    except NotFound:
        pass  # ended meanwhile: the page shows what is left
    else:
        messages.success(request, _("The session has been ended."))
    return redirect("ui-profile")


@login_required
@require_POST
def logout_all_view(request: UserRequest) -> HttpResponse:
    """End every app login (API session) of the account; this browser stays logged in."""
    sessions.end_other_sessions(user=request.user, keep=None)
    messages.success(request, _("All other sessions have been ended."))
    return redirect("ui-profile")


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
                user=user,
                client_ip=client_ip(request),
                authenticated_at=_auth_time(request),
                language=requested_language(request),
                **form.changes(),
            )
        except NotFound:
            return account_gone(request)
        except ReauthenticationRequired:
            messages.info(request, _("To change your number, first confirm it is you with a code."))
            return redirect("ui-profile-reauth")
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
def change_phone_view(request: UserRequest) -> HttpResponse:
    """Enter the code sent to the new number of a pending change of number."""
    pending = phone_change.get_pending_phone(user=request.user)
    if pending is None:
        return redirect("ui-profile-edit")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # A browser login has no API session of its own: every API login ends.
            phone_change.confirm_phone_change(
                user=request.user,
                phone=pending,
                code=form.cleaned_data["code"],
                client_ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error("code", exc.text)
        else:
            request.session.pop(PHONE_CHANGE_REQUESTED_AT, None)
            messages.success(request, _("Your phone number is now %(phone)s.") % {"phone": pending})
            return redirect("ui-profile")
    context = {"form": form, "phone": pending}
    context["dev_inbox"] = _dev_inbox(pending, request.session.get(PHONE_CHANGE_REQUESTED_AT))
    return render(request, "profiles/phone.html", context)
