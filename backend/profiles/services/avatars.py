"""Avatars: an upload is checked, then decoded and encoded again before it is stored."""

from __future__ import annotations

import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from ..errors import AvatarInvalid, AvatarPixelsOverGuard, AvatarTooLarge, AvatarTooManyPixels

# Pillow format name -> format the avatar is stored in. A multi-picture JPEG (MPO, what
# many phone cameras write) reaches Pillow through its JPEG parser and is stored as a
# JPEG of its first picture.
AVATAR_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF"}
AVATAR_PARSERS = ["JPEG", "PNG", "WEBP", "GIF"]  # the only parsers that see the bytes
AVATAR_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# What of a decoded picture's `info` its encoder may write again: only what the pixels
# need (the transparent colour of a palette picture). Pillow's encoders write the rest of
# `info` back by default (a JPEG's comment and XMP, a PNG's or GIF's colour profile and
# comment): none of it is stored.
KEPT_INFO = frozenset({"transparency"})


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
    except Image.DecompressionBombError as exc:  # past Pillow's own guard: far too large
        raise AvatarPixelsOverGuard(limit=f"{settings.AVATAR_MAX_PIXELS:,}") from exc
    # Pillow's parsers raise many kinds of errors on a broken or hostile file (OSError,
    # SyntaxError, ValueError, struct.error, DecompressionBombError ...); all mean the same.
    except Exception as exc:
        raise AvatarInvalid() from exc
    finally:
        file.seek(0)
    if image_format not in AVATAR_FORMATS:
        raise AvatarInvalid()
    return AVATAR_EXTENSIONS[AVATAR_FORMATS[image_format]]


def encode_avatar(file: UploadedFile, *, extension: str | None = None) -> ContentFile:
    """The avatar as it is stored: `file` checked (check_avatar, unless the caller did and
    gives its `extension`), decoded and encoded
    again by Pillow, under a random name. Only the pixels survive: EXIF (GPS position,
    camera, time), XMP, comments, text chunks and colour profiles are dropped, after the
    EXIF orientation has been applied; an animated image keeps its first frame (the others
    are never decoded). Raises AvatarInvalid."""
    extension = extension or check_avatar(file)
    try:
        with Image.open(file, formats=AVATAR_PARSERS) as image:
            output_format = AVATAR_FORMATS[image.format]
            image.seek(0)
            picture = ImageOps.exif_transpose(image)  # a decoded copy of the first frame
    except Exception as exc:  # data broken past the header: see check_avatar
        raise AvatarInvalid() from exc
    finally:
        file.seek(0)
    picture.info = {key: value for key, value in picture.info.items() if key in KEPT_INFO}
    if output_format == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    elif output_format == "WEBP" and picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA")
    buffer = io.BytesIO()
    options = {"quality": 90} if output_format in ("JPEG", "WEBP") else {}
    picture.save(buffer, format=output_format, **options)
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")
