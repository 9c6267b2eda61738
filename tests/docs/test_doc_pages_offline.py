"""The documentation pages load their scripts and styles from this server only."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/swagger/"])
def test_doc_page_assets_are_local_and_served(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert assets, "the page references no script or style"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by this server"
        assert not asset.startswith("//"), asset
        static_prefix = static("")
        if asset.startswith(static_prefix):
            assert finders.find(asset.removeprefix(static_prefix)), f"{asset} is not a static file"
    assert "googleapis" not in html and "gstatic" not in html and "cdn" not in html.lower()


def test_redoc_page_loads_the_bundled_redoc(client):
    html = client.get("/api/docs/").content.decode()
    assert static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js") in html
    assert 'Redoc.init("/api/schema/"' in html or 'spec-url="/api/schema/"' in html


def test_swagger_page_has_no_online_validator(client):
    response = client.get("/api/swagger/")
    assert response.status_code == 200
    assert '"validatorUrl": null' in response.content.decode()


def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Phone login and referral API"


@pytest.mark.parametrize("url", ["/api/docs/", "/api/swagger/"])
def test_doc_pages_let_the_browser_fetch_from_this_server_only(client, url):
    """ReDoc's bundle shows its vendor's logo from a CDN; the policy keeps it from loading."""
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in client.get(url)["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    for directive in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
        sources = policy[directive].split()
        assert sources[0] == "'self'"
        assert all(source in ("'self'", "'unsafe-inline'", "data:") for source in sources)
    assert policy["worker-src"] == "'self' blob:"
