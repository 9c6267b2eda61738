from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from core.ops import health, metrics
from core.ops.docs import RedocView, SwaggerView, redoc_bundle

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("auth_phone.urls")),
    path("", include("tasks.urls")),
    path("", include("profiles.urls")),
    path("", include("auth_phone.urls_phone_change")),
    path("healthz", health.HealthApi.as_view(), name="healthz"),
    path("livez", health.LivenessApi.as_view(), name="livez"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("auth_phone.urls_ui")),
    path("", include("profiles.urls_ui")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/docs/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api/swagger/", SwaggerView.as_view(url_name="schema"), name="swagger"),
]
if settings.SERVE_MEDIA:
    # Development only: in production the reverse proxy serves MEDIA_ROOT itself.
    urlpatterns.append(
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

# API paths answer a server error in JSON, like every other error; pages keep the HTML page.
handler500 = "core.errors.server_error"
