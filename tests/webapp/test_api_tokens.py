"""API tokens for every role: created once-shown, listed by id, revoked so they stop working."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.conftest import User


def _new_token(user: User, label: str) -> str:
    page = user.post_form("/account/tokens", {"label": label}).get_data(as_text=True)
    return page.split('<pre id="new-token">')[1].split("</pre>")[0]


@pytest.mark.parametrize(("username", "api_path", "status"), [
    ("tea", "/epcis/capture/no-such-capture", 404),  # a supplier's token reaches the supplier-only lookup
    ("audit", "/api/v1/audits/reports", 200),
    ("root", "/api/v1/admin/status", 200),
])
def test_every_role_creates_uses_and_revokes_its_tokens(as_user: Any, username: str, api_path: str,
                                                        status: int) -> None:
    user = as_user(username)
    token = _new_token(user, "ci")
    bearer = {"Authorization": f"Bearer {token}"}
    anonymous = user.client.application.test_client()
    assert anonymous.get(api_path, headers=bearer).status_code == status
    listing = user.client.get("/account/tokens").get_data(as_text=True)
    assert token not in listing
    token_id = re.search(r"<code>([0-9a-f]{16})</code>", listing).group(1)  # type: ignore[union-attr]
    page = user.client.get("/account/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = user.client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=True)
    assert done.status_code == 200 and "revoked" in done.get_data(as_text=True)
    assert anonymous.get(api_path, headers=bearer).status_code == 401
    assert token_id not in user.client.get("/account/tokens").get_data(as_text=True)


def test_a_token_can_be_revoked_only_by_its_owner(as_user: Any) -> None:
    tea, volt = as_user("tea"), as_user("volt")
    _new_token(tea, "mine")
    token_id = re.search(r"<code>([0-9a-f]{16})</code>",  # type: ignore[union-attr]
                         tea.client.get("/account/tokens").get_data(as_text=True)).group(1)
    page = volt.client.get("/account/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    refused = volt.client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert refused.status_code == 404 and "no API token" in refused.get_data(as_text=True)
    assert token_id in tea.client.get("/account/tokens").get_data(as_text=True)


def test_the_old_supplier_address_still_leads_there(as_user: Any, client: Any) -> None:
    moved = as_user("tea").client.get("/supplier/tokens")
    assert moved.status_code == 308 and moved.headers["Location"].endswith("/account/tokens")
    assert client.get("/account/tokens").status_code == 302  # anonymous: to the login page
