"""Static files and uploads."""

from pathlib import Path

from .base import BASE_DIR, DEBUG, REPO_DIR, env

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [REPO_DIR / "frontend_templates" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
# Largest avatar picture, in pixels (width x height), checked before it is decoded: a
# decoded RGB picture takes 3 bytes a pixel, so 16.7 Mpx (4096 x 4096; a 12 Mpx phone photo
# fits) is about 50 MB of memory at most per upload.
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=4096 * 4096)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
# Where collectstatic puts the files (the compose stack: a volume that nginx serves).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploaded files are served by Django only in development; in production the reverse
# proxy serves MEDIA_ROOT itself.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
