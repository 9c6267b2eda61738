"""The profile pages in the browser: invite links, activation and its errors, the list of
referrals, editing, deleting the account."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from profiles.models import User
from tests.browser.conftest import log_in, screenshot
from tests.phones import phone_number

pytestmark = pytest.mark.browser

ALICE, BOB, CAROL = phone_number(1), phone_number(2), phone_number(3)


def activate(page, code):
    page.get_by_label("Invite code", exact=True).fill(code)
    page.get_by_role("button", name="Activate").click()


def code_error(page):
    return page.locator("#activated-title ~ form .error")


def test_invite_link_prefills_activation_and_the_inviter_sees_the_referral(new_page):
    alice = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(alice, ALICE)
    alice_code = User.objects.get(phone=ALICE).invite_code
    link = alice.get_by_label("Link to share").input_value()
    assert link.endswith(f"/?invite={alice_code}")
    alice.get_by_role("button", name="Copy link").click()
    expect(alice.get_by_role("button", name="Copied")).to_be_visible()
    assert alice.evaluate("navigator.clipboard.readText()") == link
    expect(alice.locator("#referrals-title .badge")).to_have_text("0")

    # At a phone's width the whole link shows, up to the code at its end.
    share = alice.get_by_label("Link to share")
    assert share.evaluate("(input) => input.scrollWidth <= input.clientWidth")

    bob = new_page()
    bob.goto(link.replace(alice_code, alice_code.lower()))  # typed from a note, say
    expect(bob.locator(".note")).to_have_text(
        f"You were invited with the code {alice_code}. Sign in to activate it."
    )
    log_in(bob, BOB)
    expect(bob.get_by_label("Invite code", exact=True)).to_have_value(alice_code)
    bob.get_by_role("button", name="Activate").click()
    expect(bob.locator(".messages")).to_have_text(f"Invite code {alice_code} activated.")
    expect(bob.locator(".activated code")).to_have_text(alice_code)
    expect(bob.get_by_label("Invite code", exact=True)).to_have_count(0)
    assert User.objects.get(phone=BOB).referred_by.phone == ALICE

    alice.reload()
    expect(alice.locator("#referrals-title .badge")).to_have_text("1")
    row = alice.locator(".referrals li")
    expect(row).to_have_count(1)
    expect(row.locator(".mono")).to_have_text(BOB)
    referred_at = User.objects.get(phone=BOB).referred_at
    expect(row).to_contain_text(str(referred_at.year))
    expect(row.locator("time")).to_have_text(re.compile(r" UTC$"))
    assert row.locator("time").get_attribute("datetime").endswith("+00:00")
    expect(bob.locator(".activated .muted")).to_have_text(re.compile(r"^activated .* UTC$"))
    screenshot(alice, "4-profile")


def test_every_activation_error_is_shown_and_changes_nothing(new_page):
    alice, bob = new_page(), new_page()
    log_in(alice, ALICE)
    log_in(bob, BOB)
    alice_code = User.objects.get(phone=ALICE).invite_code
    bob_code = User.objects.get(phone=BOB).invite_code

    activate(bob, "abc")
    expect(code_error(bob)).to_have_text("An invite code is 6 characters: digits and letters A-Z.")
    unknown = next(c for c in ("ZZZZZZ", "YYYYYY") if c not in (alice_code, bob_code))
    activate(bob, unknown.lower())
    expect(code_error(bob)).to_have_text(
        f"There is no invite code {unknown}. Check it and try again."
    )
    activate(bob, bob_code)
    expect(code_error(bob)).to_have_text("You cannot activate your own invite code.")
    assert User.objects.get(phone=BOB).activated_code is None

    # A second code: from another tab, opened before the first code was activated.
    stale = bob.context.new_page()
    stale.goto("/profile/")
    activate(bob, f"  {alice_code.lower()} ")
    expect(bob.locator(".activated code")).to_have_text(alice_code)
    carol = new_page()
    log_in(carol, CAROL)
    activate(stale, User.objects.get(phone=CAROL).invite_code)
    expect(stale.locator(".messages .error")).to_have_text("Referral already input.")
    expect(stale.locator(".activated code")).to_have_text(alice_code)

    # Alice cannot close a loop with the user she invited.
    activate(alice, bob_code)
    expect(code_error(alice)).to_have_text(
        "You cannot activate the code of a user who joined with your invite code, "
        "directly or through other users."
    )
    screenshot(alice, "5-activation-error")
    assert User.objects.get(phone=ALICE).activated_code is None
    assert User.objects.get(phone=BOB).activated_code == alice_code


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), (52, 81, 209)).save(buffer, "PNG")
    return buffer.getvalue()


def test_edit_names_email_and_avatar(page):
    log_in(page, ALICE)
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field .error")).to_have_text("Enter a valid email address.")

    page.get_by_label("New avatar").set_input_files(
        files=[{"name": "avatar.png", "mimeType": "image/png", "buffer": b"not an image"}]
    )
    page.get_by_label("E-mail").fill("alice@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field .error")).to_have_text(
        "Upload a valid image: JPEG, PNG, WebP or GIF."
    )
    user = User.objects.get(phone=ALICE)
    assert user.email is None and not user.avatar  # all or nothing

    page.get_by_label("First name").fill("Alice")
    page.get_by_label("Last name").fill("Liddell")
    page.get_by_label("E-mail").fill("alice@example.com")
    page.get_by_label("New avatar").set_input_files(
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/profile/")
    expect(page.locator(".messages")).to_have_text("Your profile has been saved.")
    expect(page.locator("h1")).to_have_text("Alice Liddell")
    expect(page.locator(".facts")).to_contain_text("alice@example.com")
    avatar = page.locator("img.avatar")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("img => img.complete && img.naturalWidth") == 48
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == (
        "Alice",
        "Liddell",
        "alice@example.com",
    )

    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_label("First name")).to_have_value("Alice")
    screenshot(page, "6-edit")
    page.get_by_label("Remove the avatar").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/profile/")
    expect(page.locator("img.avatar")).to_have_count(0)
    user.refresh_from_db()
    assert not user.avatar and user.first_name == "Alice"


def test_delete_account_after_a_confirmation(new_page):
    alice, bob = new_page(), new_page()
    log_in(alice, ALICE)
    alice_code = User.objects.get(phone=ALICE).invite_code
    log_in(bob, BOB)
    activate(bob, alice_code)
    expect(bob.locator(".activated code")).to_have_text(alice_code)

    alice.get_by_role("link", name="Delete account").click()
    expect(alice.locator("h1")).to_have_text("Delete your account?")
    screenshot(alice, "7-delete")
    alice.get_by_role("link", name="No, keep it").click()
    alice.wait_for_url("**/profile/")
    assert User.objects.filter(phone=ALICE).exists()

    alice.get_by_role("link", name="Delete account").click()
    alice.get_by_role("button", name="Yes, delete my account").click()
    alice.wait_for_url(lambda url: url.endswith("/"))
    expect(alice.locator(".messages")).to_have_text("Your account has been deleted.")
    assert not User.objects.filter(phone=ALICE).exists()
    alice.goto("/profile/")
    expect(alice.get_by_label("Phone number")).to_be_visible()

    # Bob keeps his account and the code he activated.
    bob.reload()
    expect(bob.locator(".activated code")).to_have_text(alice_code)
