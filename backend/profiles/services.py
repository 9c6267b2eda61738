"""Writes on users. Invite codes are random (`secrets`) and unique by constraint."""

from __future__ import annotations

import io
import re
import secrets
import zlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from PIL import Image, ImageOps
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from auth_phone.phones import InvalidPhone, normalize_phone
from project import metrics
from webhooks import events
from webhooks.services import emit_event

from .errors import (
    AvatarInvalid,
    AvatarTooLarge,
    AvatarTooManyPixels,
    InviteAlreadyActivated,
    InviteCodeInvalid,
    InviteCodeNotFound,
    InviteCycle,
    NotFound,
    OwnInviteCode,
    PhoneReadOnly,
)
from .limits import give_back_invite_attempt, take_invite_attempt
from .models import INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, User

INVITE_CODE_ATTEMPTS = 10
INVITE_CODE_RE = re.compile(rf"[{INVITE_CODE_ALPHABET}]{{{INVITE_CODE_LENGTH}}}")
# Pillow format name -> format the avatar is stored in. A multi-picture JPEG (MPO, what
# many phone cameras write) reaches Pillow through its JPEG parser and is stored as a
# JPEG of its first picture.
AVATAR_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF"}
AVATAR_PARSERS = ["JPEG", "PNG", "WEBP", "GIF"]  # the only parsers that see the bytes
AVATAR_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
EDITABLE_FIELDS = frozenset({"email", "first_name", "last_name", "avatar"})
# Key of the PostgreSQL advisory lock that serialises writes to the referral graph.
REFERRAL_GRAPH_LOCK = zlib.crc32(b"profiles.referral_graph")


def generate_invite_code() -> str:
    return "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def create_user(*, phone: str, **fields) -> User:
    """Create a user with a fresh invite code, retrying on a code collision.
    Raises IntegrityError if the phone is taken."""
    for _ in range(INVITE_CODE_ATTEMPTS):
        user = User(phone=phone, invite_code=generate_invite_code(), **fields)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
                emit_event(
                    events.USER_CREATED,
                    {"user_id": user.pk, "phone": user.phone, "invite_code": user.invite_code},
                )
            return user
        except IntegrityError:
            # Only a clash on the invite code is worth another try; anything else
            # (the phone is taken) is the caller's to handle.
            if not User.objects.filter(invite_code=user.invite_code).exists():
                raise
    raise IntegrityError("could not find a free invite code")


def _insert_unless_taken(user: User) -> bool:
    """INSERT `user` ... ON CONFLICT DO NOTHING RETURNING its id: False, and nothing
    written, if its phone or invite code is taken (by a row committed or still being
    written: PostgreSQL waits for that transaction's end). No savepoint is needed, since
    a conflict is not an error that aborts the transaction."""
    meta = User._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    # QuerySet._insert: what Model.save() and bulk_create() insert with, here with
    # ON CONFLICT DO NOTHING and RETURNING together (bulk_create gives no id on a conflict).
    rows = User._base_manager.get_queryset()._insert(  # type: ignore[attr-defined]
        [user],
        fields=fields,
        returning_fields=meta.db_returning_fields,
        using=User.objects.db,
        on_conflict=OnConflict.IGNORE,
    )
    if not rows or rows[0] is None:
        return False
    for value, field in zip(rows[0], meta.db_returning_fields, strict=True):
        setattr(user, field.attname, value)
    user._state.adding = False
    user._state.db = User.objects.db
    return True


def get_or_create_user(*, phone: str) -> tuple[User, bool]:
    """The user with `phone`, created if new; safe against concurrent first requests."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    with transaction.atomic(savepoint=False):  # the caller's transaction when there is one
        for _ in range(INVITE_CODE_ATTEMPTS):
            user = User(phone=phone, invite_code=generate_invite_code())
            user.set_unusable_password()
            if _insert_unless_taken(user):
                emit_event(
                    events.USER_CREATED,
                    {"user_id": user.pk, "phone": user.phone, "invite_code": user.invite_code},
                )
                return user, True
            # A concurrent request created the same phone first (the unique index decided,
            # after its commit), or the invite code was taken: then draw another.
            existing = User.objects.filter(phone=phone).first()
            if existing is not None:
                return existing, False
    raise IntegrityError("could not find a free invite code")


def normalize_invite_code(raw: str) -> str:
    """`raw` without surrounding spaces, upper-cased. Raises InviteCodeInvalid unless it
    then is 6 digits or letters A-Z."""
    code = raw.strip() if isinstance(raw, str) else ""
    # ASCII first: str.upper() turns some letters into two ("ß" -> "SS").
    code = code.upper() if code.isascii() else ""
    if not INVITE_CODE_RE.fullmatch(code):
        raise InviteCodeInvalid()
    return code


def _lock_referral_graph() -> None:
    """Serialise all invite activations until the current transaction ends.

    Row locks on the two users are not enough: a cycle can close through two concurrent
    activations that touch four different rows (A->B and C->D while B->C and D->A exist).
    One transaction-scoped advisory lock makes the cycle check and the write a single step
    for every activation; it is released by COMMIT or ROLLBACK, so nothing can leak it.
    SQLite (the zero-setup local run) has no such lock and needs none: its transactions are
    serialisable, so of two racing activations the one that read stale data fails to write.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFERRAL_GRAPH_LOCK])


def _is_referred_through(*, user_id: int, ancestor_id: int) -> bool:
    """Whether walking `referred_by` upwards from `user_id` reaches `ancestor_id`."""
    table = connection.ops.quote_name(User._meta.db_table)
    parent = connection.ops.quote_name(User._meta.get_field("referred_by").column)
    # UNION (not UNION ALL) drops rows already seen, so the walk ends even on a loop.
    sql = f"""
        WITH RECURSIVE chain(id, parent) AS (
            SELECT id, {parent} FROM {table} WHERE id = %s
            UNION
            SELECT u.id, u.{parent} FROM {table} u JOIN chain c ON u.id = c.parent
        )
        SELECT 1 FROM chain WHERE id = %s LIMIT 1
    """  # noqa: S608 - only quoted model metadata is interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, ancestor_id])
        return cursor.fetchone() is not None


@transaction.atomic
def activate_invite_code(*, user: User, code: str) -> User:
    """Link `user` once to the owner of `code` (any case, spaces ignored). Raises
    InviteCodeInvalid, InviteAlreadyActivated, InviteCodeNotFound, OwnInviteCode, InviteCycle,
    and RateLimited beyond INVITE_FAILURES_HOURLY_LIMIT unknown codes per user and hour."""
    code = normalize_invite_code(code)
    if user.activated_code is not None:
        raise InviteAlreadyActivated()

    attempt = take_invite_attempt(user_id=user.pk)
    inviter_id = User.objects.filter(invite_code=code).values_list("pk", flat=True).first()
    if inviter_id is None:
        # An unknown code takes no lock: guesses never queue the real activations.
        raise InviteCodeNotFound(code)
    give_back_invite_attempt(attempt)  # the code exists: not a failed guess
    # Lock order, the same in every writer, so none can deadlock another:
    # 1. the referral-graph advisory lock (activations only) -> one activation at a time,
    #    so the cycle check below sees every committed link and none can slip in before
    #    our UPDATE;
    # 2. the rows of both users, by ascending pk (delete_user locks its one row first), so
    #    that neither can be deleted between the checks and the UPDATE (a code found
    #    above whose owner is deleted meanwhile is missing from `locked`).
    _lock_referral_graph()
    if inviter_id == user.pk:
        raise OwnInviteCode()
    locked = {
        row.pk: row
        for row in User.objects.select_for_update()
        .filter(pk__in=(user.pk, inviter_id))
        .order_by("pk")
        .only("pk", "phone", "invite_code", "activated_code")
    }
    if user.pk not in locked:  # the account was deleted meanwhile
        raise NotFound()
    if inviter_id not in locked:
        raise InviteCodeNotFound(code)
    if locked[user.pk].activated_code is not None:
        raise InviteAlreadyActivated()
    if _is_referred_through(user_id=inviter_id, ancestor_id=user.pk):
        raise InviteCycle()

    now = timezone.now()
    # Compare-and-set on activated_code (not referred_by, which the inviter's deletion
    # clears): a user activates once, ever, even if the lock above were ever removed.
    updated = User.objects.filter(pk=user.pk, activated_code__isnull=True).update(
        referred_by_id=inviter_id, referred_at=now, activated_code=code
    )
    if updated:
        transaction.on_commit(metrics.INVITES_ACTIVATED.inc)
    if not updated:
        raise InviteAlreadyActivated()
    user.referred_by_id, user.referred_at, user.activated_code = inviter_id, now, code
    emit_event(
        events.INVITE_ACTIVATED,
        {
            "user_id": user.pk,
            "phone": locked[user.pk].phone,
            "inviter_id": inviter_id,
            "inviter_phone": locked[inviter_id].phone,
            "invite_code": code,
            "activated_at": now,
        },
    )
    return user


def _format_bytes(size: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def _check_pixels(image: Image.Image) -> None:
    """Refuse, from the header alone, an image whose decoding would take too much memory
    (a small file can hold a huge, highly compressed picture: a decompression bomb)."""
    width, height = image.size
    limit = settings.AVATAR_MAX_PIXELS
    if width * height > limit:
        raise AvatarTooManyPixels(limit=f"{limit:,}", width=width, height=height)


def check_avatar(file: UploadedFile) -> str:
    """The file extension for an acceptable avatar upload. Raises AvatarInvalid unless it
    is a JPEG (or multi-picture JPEG), PNG, WebP or GIF image, as Pillow reads it, of at
    most AVATAR_MAX_BYTES and AVATAR_MAX_PIXELS."""
    limit = settings.AVATAR_MAX_BYTES
    if file.size is None or file.size > limit:
        raise AvatarTooLarge(limit=_format_bytes(limit))
    try:
        file.seek(0)
        with Image.open(file, formats=AVATAR_PARSERS) as image:
            image_format = image.format
            _check_pixels(image)
            image.verify()
    except AvatarInvalid:
        raise
    # Pillow's parsers raise many kinds of errors on a broken or hostile file (OSError,
    # SyntaxError, ValueError, struct.error, DecompressionBombError ...); all mean the same.
    except Exception as exc:
        raise AvatarInvalid() from exc
    finally:
        file.seek(0)
    if image_format not in AVATAR_FORMATS:
        raise AvatarInvalid()
    return AVATAR_EXTENSIONS[AVATAR_FORMATS[image_format]]


def encode_avatar(file: UploadedFile) -> ContentFile:
    """The avatar as it is stored: `file` checked (check_avatar), decoded and encoded
    again by Pillow, under a random name. Only the pixels survive: EXIF (GPS position,
    camera, time), comments and colour profiles are dropped, after the EXIF orientation
    has been applied; an animated image keeps its first frame. Raises AvatarInvalid."""
    extension = check_avatar(file)
    try:
        with Image.open(file, formats=AVATAR_PARSERS) as image:
            output_format = AVATAR_FORMATS[image.format]
            image.seek(0)
            picture = ImageOps.exif_transpose(image)  # a decoded copy of the first frame
    except Exception as exc:  # data broken past the header: see check_avatar
        raise AvatarInvalid() from exc
    finally:
        file.seek(0)
    if output_format == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    elif output_format == "WEBP" and picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA")
    buffer = io.BytesIO()
    options = {"quality": 90} if output_format in ("JPEG", "WEBP") else {}
    picture.save(buffer, format=output_format, **options)
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")


def _check_phone_unchanged(user: User, phone: str | None) -> None:
    try:
        same = phone is not None and normalize_phone(phone) == user.phone
    except InvalidPhone:
        same = False
    if not same:
        raise PhoneReadOnly()


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


def update_profile(*, user: User, **fields) -> User:
    """Set the given editable fields (email, first_name, last_name, avatar; None or "" clears
    one), accept `phone` only unchanged, activate the code in `user_referral` if given; all
    or nothing. Raises PhoneReadOnly, AvatarInvalid and the errors of activate_invite_code."""
    unknown = set(fields) - EDITABLE_FIELDS - {"phone", "user_referral"}
    if unknown:
        raise TypeError(f"update_profile() got unexpected fields: {sorted(unknown)}")
    if "phone" in fields:
        _check_phone_unchanged(user, fields.pop("phone"))
    code = fields.pop("user_referral", None) or None
    # Every input is checked before anything is written.
    if code is not None:
        code = normalize_invite_code(code)
    changes: dict[str, Any] = {
        name: (value.strip() or None) if isinstance(value, str) else (value or None)
        for name, value in fields.items()
    }
    if changes.get("avatar") is not None:
        changes["avatar"] = encode_avatar(changes["avatar"])

    with transaction.atomic():
        if code is not None:
            activate_invite_code(user=user, code=code)
        if changes:
            # The row lock (the order of delete_user) keeps the account from being deleted
            # before the save; one that was deleted since the request began is not found.
            if not User.objects.select_for_update().filter(pk=user.pk).exists():
                raise NotFound()
            old_avatar = user.avatar.name if "avatar" in changes else None
            for name, value in changes.items():
                setattr(user, name, value)
            user.save(update_fields=list(changes))
            if old_avatar and old_avatar != user.avatar.name:
                _delete_file_on_commit(user.avatar.storage, old_avatar)
    return user


def delete_user(*, user: User) -> None:
    """Delete the account and revoke its tokens; users who activated its code keep their
    accounts and the code they activated (`activated_code`)."""
    with transaction.atomic():
        # Taken first, this row lock makes a concurrent activation of this user's code
        # wait and then find no code (see activate_invite_code for the lock order).
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return
        # Access tokens of a missing user are refused by authentication; refresh tokens
        # are blacklisted so that /users/token/refresh/ refuses them too.
        outstanding = OutstandingToken.objects.filter(user=locked, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
        )
        avatar = locked.avatar.name
        emit_event(
            events.USER_DELETED,
            {"user_id": locked.pk, "phone": locked.phone, "deleted_at": timezone.now()},
        )
        locked.delete()
        if avatar:
            _delete_file_on_commit(locked.avatar.storage, avatar)
