"""Every stored avatar is the image Pillow encoded again: EXIF and GPS data never reach
the storage, a multi-picture JPEG (phone cameras) is a JPEG, and a picture with too many
pixels (a decompression bomb among them) is refused with 400, not a 500."""

import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from tests.conftest import image_bytes, snapshot
from tests.factories import client_for

UPDATE = "/users/update/me/"


def upload(client, content: bytes, name="photo.jpg", content_type="image/jpeg"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.patch(UPDATE, {"avatar": file}, format="multipart")


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "avatars"
    return sorted(os.listdir(folder)) if folder.exists() else []


def photo_with_gps(fmt="JPEG", size=(16, 8)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # taken turned: shown rotated by 90 degrees
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (55.0, 45.0, 21.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (37.0, 37.0, 4.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format=fmt, exif=exif)
    content = buffer.getvalue()
    with Image.open(io.BytesIO(content)) as image:  # the upload does carry the position
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude]
    return content


def stored(user):
    user.refresh_from_db()
    with default_storage.open(user.avatar.name) as file:
        return file.read()


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpg"), ("WEBP", "photo.webp")])
def test_exif_and_gps_data_are_not_stored(user, fmt, name):
    response = upload(client_for(user), photo_with_gps(fmt), name=name)

    assert response.status_code == 200, response.content
    content = stored(user)
    assert b"PhoneMaker" not in content and b"Exif" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == fmt
        assert not image.getexif()
        assert "exif" not in image.info
        # The orientation was applied before it was dropped: the picture stands upright.
        assert image.size == (8, 16)


def test_a_png_text_chunk_is_not_stored(user):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: Tverskaya 1")
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8)).save(buffer, format="PNG", pnginfo=info)

    response = upload(client_for(user), buffer.getvalue(), name="a.png", content_type="image/png")

    assert response.status_code == 200
    assert b"Tverskaya" not in stored(user)


def multi_picture_jpeg() -> bytes:
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (12, 10), (200, 0, 0)), Image.new("RGB", (12, 10))
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    content = buffer.getvalue()
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "MPO" and image.n_frames == 2
    return content


def test_a_multi_picture_jpeg_is_stored_as_a_jpeg_of_its_first_picture(user):
    response = upload(client_for(user), multi_picture_jpeg())

    assert response.status_code == 200, response.content
    assert response.json()["avatar"].endswith(".jpg")
    with Image.open(io.BytesIO(stored(user))) as image:
        assert image.format == "JPEG" and image.size == (12, 10)
        assert image.getpixel((6, 5))[0] > 150  # the first (red) picture


def test_the_browser_form_takes_a_multi_picture_jpeg_too(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    file = SimpleUploadedFile("photo.jpg", multi_picture_jpeg(), content_type="image/jpeg")
    response = client.post("/profile/edit/", {"avatar": file})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.endswith(".jpg")


def test_an_animated_gif_keeps_its_first_frame(user):
    buffer = io.BytesIO()
    frames = [Image.new("P", (8, 8), i) for i in range(3)]
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    response = upload(client_for(user), buffer.getvalue(), name="a.gif", content_type="image/gif")
    assert response.status_code == 200
    with Image.open(io.BytesIO(stored(user))) as image:
        assert image.format == "GIF" and getattr(image, "n_frames", 1) == 1


def test_the_default_pixel_limit(settings):
    assert settings.AVATAR_MAX_PIXELS == 4096 * 4096


def test_a_picture_over_the_pixel_limit_is_refused(user, settings):
    settings.AVATAR_MAX_PIXELS = 100
    before = snapshot(user)

    response = upload(client_for(user), image_bytes("PNG", (11, 10)), name="a.png")

    assert response.status_code == 400
    assert response.json() == {
        "avatar": ["The image is too large: at most 100 pixels (this one is 11 x 10)."],
        "code": "avatar_too_large",
    }
    assert snapshot(user) == before
    assert stored_files(settings) == []
    assert upload(client_for(user), image_bytes("PNG", (10, 10)), name="a.png").status_code == 200


def test_a_decompression_bomb_is_refused_before_it_is_decoded(user, settings, monkeypatch):
    # 8000 x 8000 pixels of one colour: a few KiB as a PNG, 192 MB decoded as RGB; below
    # Pillow's own guard (89 Mpx), so only the pixel limit stands in the way.
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, format="PNG")
    content = buffer.getvalue()
    assert len(content) < settings.AVATAR_MAX_BYTES
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self))
    before = snapshot(user)

    response = upload(client_for(user), content, name="bomb.png", content_type="image/png")

    assert response.status_code == 400
    assert response.json()["avatar"][0].startswith("The image is too large: at most ")
    assert decoded == []
    assert snapshot(user) == before
    assert stored_files(settings) == []


def test_pillows_own_bomb_guard_answers_400_too(user, settings):
    # Past Pillow's own limit (twice Image.MAX_IMAGE_PIXELS) Image.open itself refuses.
    settings.AVATAR_MAX_PIXELS = 10**12
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    original = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1000
    try:
        response = upload(
            client_for(user), buffer.getvalue(), name="b.png", content_type="image/png"
        )
    finally:
        Image.MAX_IMAGE_PIXELS = original
    assert response.status_code == 400
    assert stored_files(settings) == []


def test_the_pixel_limit_is_worded_in_russian():
    from django.utils import translation

    from profiles.errors import AvatarTooManyPixels

    refusal = AvatarTooManyPixels(limit="100", width=11, height=10)
    with translation.override("ru"):
        assert refusal.text == (
            "Изображение слишком большое: не больше 100 пикселей (в этом 11 × 10)."
        )


def srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_everything() -> bytes:
    """A JPEG with EXIF (GPS), a colour profile, a comment and XMP, as cameras and
    editors write them."""
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (55.0, 45.0, 21.0)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(
        buffer,
        format="JPEG",
        exif=exif,
        icc_profile=srgb_profile(),
        comment=b"home: Tverskaya 1",
        xmp=b"<x:xmpmeta><rdf:Description City='Moscow'/></x:xmpmeta>",
    )
    content = buffer.getvalue()
    with Image.open(io.BytesIO(content)) as image:  # the upload does carry all of it
        assert {"exif", "icc_profile", "comment", "xmp"} <= set(image.info)
    return content


def test_a_jpegs_comment_colour_profile_and_xmp_are_not_stored(user):
    response = upload(client_for(user), jpeg_with_everything())

    assert response.status_code == 200, response.content
    content = stored(user)
    assert b"Tverskaya" not in content and b"Moscow" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(image.info), image.info


@pytest.mark.parametrize(("fmt", "name", "mode"), [("PNG", "a.png", "RGBA"), ("GIF", "a.gif", "P")])
def test_a_colour_profile_and_comments_of_a_png_or_gif_are_not_stored(user, fmt, name, mode):
    from PIL import PngImagePlugin

    options: dict = {"icc_profile": srgb_profile()}
    if fmt == "PNG":
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_text("Comment", "home: Tverskaya 1")
    else:
        options["comment"] = b"home: Tverskaya 1"
    buffer = io.BytesIO()
    Image.new(mode, (8, 8)).save(buffer, format=fmt, **options)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert "comment" in image.info or "Comment" in image.info

    response = upload(
        client_for(user), buffer.getvalue(), name=name, content_type=f"image/{name[2:]}"
    )

    assert response.status_code == 200, response.content
    content = stored(user)
    assert b"Tverskaya" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == fmt
        assert not {"icc_profile", "comment", "Comment", "exif", "xmp"} & set(image.info)


def test_a_transparent_palette_picture_stays_transparent(user):
    picture = Image.new("P", (8, 8), 1)
    picture.putpixel((0, 0), 0)
    buffer = io.BytesIO()
    picture.save(buffer, format="GIF", transparency=0)

    response = upload(client_for(user), buffer.getvalue(), name="a.gif", content_type="image/gif")

    assert response.status_code == 200
    with Image.open(io.BytesIO(stored(user))) as image:
        assert image.info.get("transparency") == 0


@pytest.mark.parametrize(("fmt", "name"), [("WEBP", "a.webp"), ("PNG", "a.png")])
def test_an_animated_webp_or_png_keeps_its_first_frame(user, fmt, name):
    buffer = io.BytesIO()
    frames = [
        Image.new("RGB", (8, 8), colour) for colour in ((200, 0, 0), (0, 200, 0), (0, 0, 200))
    ]
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], duration=50)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert image.n_frames == 3

    response = upload(client_for(user), buffer.getvalue(), name=name, content_type="image/png")

    assert response.status_code == 200, response.content
    with Image.open(io.BytesIO(stored(user))) as image:
        assert getattr(image, "n_frames", 1) == 1
        assert image.convert("RGB").getpixel((4, 4))[0] > 150  # the first (red) frame


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header says width x height pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF of a few bytes whose screen and first frame say width x height pixels."""
    import struct

    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return screen + frame + b"\x02\x02\x44\x01\x00\x3b"


@pytest.mark.parametrize(
    ("content", "name"),
    [(png_declaring(60000, 60000), "bomb.png"), (gif_declaring(65535, 65535), "bomb.gif")],
    ids=["png", "gif"],
)
def test_a_file_declaring_a_huge_picture_answers_400_saying_so(user, settings, content, name):
    # Past Pillow's own guard (2 x 89 Mpx): Pillow refuses to open it at all.
    assert len(content) < 100
    before = snapshot(user)

    response = upload(client_for(user), content, name=name, content_type="image/png")

    assert response.status_code == 400
    assert response.json() == {
        "avatar": ["The image is too large: at most 16,777,216 pixels."],
        "code": "avatar_too_large",
    }
    assert snapshot(user) == before
    assert stored_files(settings) == []
