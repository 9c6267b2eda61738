"""The browser UI's wording of domain errors, in the visitor's language.

Services and the API keep their fixed English messages; the template views pass every
message they show through `ui_text()`, which maps it to a translatable string. A message
missing from the table is shown as it is, in English, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, RateLimited

# Every fixed message a person can meet in the UI, keyed by the English text the domain
# code raises.
MESSAGES = {
    # auth_phone.phones.normalize_phone
    "Enter a phone number.": _("Enter a phone number."),
    "Enter a valid phone number, e.g. +79111234567.": _(
        "Enter a valid phone number, e.g. +79111234567."
    ),
    # auth_phone.serializers.LoginInput (the code's format)
    "The code is 4 digits.": _("The code is 4 digits."),
    # auth_phone.errors
    "No active code for this number. Request a new code.": _(
        "No active code for this number. Request a new code."
    ),
    "The code has expired. Request a new code.": _("The code has expired. Request a new code."),
    "Too many wrong attempts for this code. Request a new code.": _(
        "Too many wrong attempts for this code. Request a new code."
    ),
    "Invalid code.": _("Invalid code."),
    "Invalid code. No attempts left: request a new code.": _(
        "Invalid code. No attempts left: request a new code."
    ),
    "Token is invalid or expired.": _("Token is invalid or expired."),
    "No active account found for the given token.": _(
        "No active account found for the given token."
    ),
    # project.errors
    "Request could not be processed.": _("Request could not be processed."),
    "Too many requests.": _("Too many requests."),
    "Not found.": _("Not found."),
    # the reasons auth_phone.ratelimit gives before "Try again in N seconds."
    "A code was sent to this number moments ago.": _("A code was sent to this number moments ago."),
    "Too many codes requested for this number.": _("Too many codes requested for this number."),
    "Too many codes requested from your address.": _("Too many codes requested from your address."),
    "Too many wrong codes for this number.": _("Too many wrong codes for this number."),
    "Too many failed logins from your address.": _("Too many failed logins from your address."),
    # profiles.errors
    "An invite code is 6 characters: digits and letters A-Z.": _(
        "An invite code is 6 characters: digits and letters A-Z."
    ),
    "Referral already input.": _("Referral already input."),
    "You cannot activate your own invite code.": _("You cannot activate your own invite code."),
    "You cannot activate the code of a user who joined with your invite code, "
    "directly or through other users.": _(
        "You cannot activate the code of a user who joined with your invite code, "
        "directly or through other users."
    ),
    "The phone number cannot be changed.": _("The phone number cannot be changed."),
    "Upload a valid image: JPEG, PNG, WebP or GIF.": _(
        "Upload a valid image: JPEG, PNG, WebP or GIF."
    ),
    # auth_phone.phones.ensure_sms_deliverable, auth_phone.errors.SmsBudgetExhausted
    "A login code cannot be sent to this number.": _("A login code cannot be sent to this number."),
    "Login codes are not sent to numbers of this country.": _(
        "Login codes are not sent to numbers of this country."
    ),
    "The service has sent as many login codes this hour as it may.": _(
        "The service has sent as many login codes this hour as it may."
    ),
    # profiles.limits
    "Too many unknown invite codes.": _("Too many unknown invite codes."),
    # profiles.errors: a change of phone number
    "This number already belongs to another account.": _(
        "This number already belongs to another account."
    ),
    "No change of number is waiting for a code. Ask for the change again.": _(
        "No change of number is waiting for a code. Ask for the change again."
    ),
    "This is not the number you asked to change to.": _(
        "This is not the number you asked to change to."
    ),
}


def _attempts_left(match: re.Match) -> str:
    left = int(match["n"])
    return ngettext(
        "Invalid code. %(n)d attempt(s) left.", "Invalid code. %(n)d attempt(s) left.", left
    ) % {"n": left}


def _max_length(match: re.Match) -> str:
    limit = int(match["n"])
    return ngettext(
        "A phone number has at most %(n)d characters.",
        "A phone number has at most %(n)d characters.",
        limit,
    ) % {"n": limit}


def _unknown_invite_code(match: re.Match) -> str:
    return gettext("Object with referral=%(code)s does not exist.") % {"code": match["code"]}


def _image_too_large(match: re.Match) -> str:
    return gettext("The image is too large: the limit is %(limit)s.") % {"limit": match["limit"]}


def _too_many_pixels(match: re.Match) -> str:
    return gettext(
        "The image is too large: at most %(limit)s pixels (this one is %(width)s x %(height)s)."
    ) % {"limit": match["limit"], "width": match["width"], "height": match["height"]}


# Messages that carry a value.
PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"^Invalid code\. (?P<n>\d+) attempt\(s\) left\.$"), _attempts_left),
    (re.compile(r"^A phone number has at most (?P<n>\d+) characters\.$"), _max_length),
    (re.compile(r"^Object with referral=(?P<code>.*) does not exist\.$"), _unknown_invite_code),
    (re.compile(r"^The image is too large: the limit is (?P<limit>.+)\.$"), _image_too_large),
    (
        re.compile(
            r"^The image is too large: at most (?P<limit>[\d,]+) pixels "
            r"\(this one is (?P<width>\d+) x (?P<height>\d+)\)\.$"
        ),
        _too_many_pixels,
    ),
]


def ui_text(message: str) -> str:
    """`message` (an English domain or validation message) in the active language."""
    known = MESSAGES.get(message)
    if known is not None:
        return str(known)
    for pattern, render in PATTERNS:
        match = pattern.match(message)
        if match:
            return render(match)
    return gettext(message)


def error_text(exc: Exception) -> str:
    """What to tell a person about a domain error (or InvalidPhone) in the active language."""
    if isinstance(exc, RateLimited) or getattr(exc, "retry_after", None) is not None:
        reason = exc.message.removesuffix(f" Try again in {exc.retry_after} seconds.")
        wait = ngettext(
            "Try again in %(n)d seconds.", "Try again in %(n)d seconds.", exc.retry_after
        ) % {"n": exc.retry_after}
        return f"{ui_text(reason)} {wait}"
    if isinstance(exc, DomainError):
        return ui_text(exc.message)
    return ui_text(str(exc))
