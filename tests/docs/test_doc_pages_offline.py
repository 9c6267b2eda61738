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
        if asset == "data:,":
            continue  # an empty icon: no /favicon.ico request
        assert asset.startswith("/"), f"{asset} is not served by this server"
        assert not asset.startswith("//"), asset
        static_prefix = static("")
        if asset.startswith(static_prefix):
            assert finders.find(asset.removeprefix(static_prefix)), f"{asset} is not a static file"
    assert "googleapis" not in html and "gstatic" not in html and "cdn" not in html.lower()


def test_redoc_page_loads_the_bundled_redoc_without_its_cdn_logo(client):
    html = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/redoc.standalone.js">' in html
    assert 'Redoc.init("/api/schema/"' in html
    bundle = client.get("/api/docs/redoc.standalone.js")
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript")
    served = b"".join(bundle)
    with open(finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"), "rb") as f:
        original = f.read()
    assert b"https://cdn.redoc.ly/" in original  # what there was to take out
    assert b"cdn.redoc.ly" not in served and len(served) > 0.99 * len(original)


def test_redoc_lists_the_endpoints_first_and_the_webhooks_last(client):
    """ReDoc orders its sidebar by the schema's `tags`, then by first use (the untagged
    webhooks would come first): every tag in use is listed, webhooks at the end."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listed = [tag["name"] for tag in schema["tags"]]
    operations = [*schema["paths"].values(), *schema["webhooks"].values()]
    used = {tag for path in operations for operation in path.values() for tag in operation["tags"]}
    assert set(listed) == used
    assert listed[0] == "auth" and listed[-1] == "webhooks"
    for webhook in schema["webhooks"].values():
        assert [operation["tags"] for operation in webhook.values()] == [["webhooks"]]


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
    """Nothing a page needs is elsewhere; the policy keeps whatever might be from loading."""
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
