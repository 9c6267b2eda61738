"""Rules of profiles and invite codes, as errors that carry their HTTP status and field."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound

__all__ = [
    "AvatarInvalid",
    "AvatarPixelsOverGuard",
    "AvatarTooLarge",
    "InviteAlreadyActivated",
    "InviteCodeInvalid",
    "InviteCodeNotFound",
    "InviteCycle",
    "NotFound",
    "OwnInviteCode",
    "PhoneReadOnly",
]

CODE_FIELD = "user_referral"


class InviteCodeInvalid(DomainError):
    code = "invite_code_invalid"
    field = CODE_FIELD
    message = _("An invite code is 6 characters: digits and letters A-Z.")


class InviteCodeNotFound(DomainError):
    code = "invite_not_found"
    field = CODE_FIELD
    message = _("Object with referral=%(code)s does not exist.")

    def __init__(self, code: str) -> None:
        super().__init__(code=code)


class InviteAlreadyActivated(DomainError):
    code = "invite_already_activated"
    field = CODE_FIELD
    message = _("Referral already input.")


class OwnInviteCode(DomainError):
    code = "own_invite_code"
    field = CODE_FIELD
    message = _("You cannot activate your own invite code.")


class InviteCycle(DomainError):
    code = "invite_cycle"
    field = CODE_FIELD
    message = _(
        "You cannot activate the code of a user who joined with your invite code, "
        "directly or through other users."
    )


class PhoneReadOnly(DomainError):
    code = "phone_read_only"
    field = "phone"
    message = _("The phone number cannot be changed.")


class AvatarInvalid(DomainError):
    code = "avatar_invalid"
    field = "avatar"
    message = _("Upload a valid image: JPEG, PNG, WebP or GIF.")


class AvatarTooLarge(AvatarInvalid):
    """Raised with `limit`, the size limit in words (`2 MiB`)."""

    code = "avatar_too_large"
    message = _("The image is too large: the limit is %(limit)s.")


class AvatarTooManyPixels(AvatarTooLarge):
    """Raised with `limit` (the pixel limit, written with digit groups), `width` and
    `height`: too large in pixels rather than in bytes."""

    message = _(
        "The image is too large: at most %(limit)s pixels (this one is %(width)s x %(height)s)."
    )


class AvatarPixelsOverGuard(AvatarTooLarge):
    """Raised with `limit` (the pixel limit, written with digit groups) for a picture so
    large that Pillow refuses to read even its header (a decompression bomb): its size in
    pixels is not known."""

    message = _("The image is too large: at most %(limit)s pixels.")
