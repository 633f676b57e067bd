"""`{{secrets.NAME}}` in the HTTP connector's inputs: filled from the tenant's secrets, in the url's
query string, the headers' values and the payload only; an unknown name fails naming it."""

from __future__ import annotations

import pytest

from app.models.base import DEFAULT_TENANT
from app.services.connector_secrets import UnknownSecret, resolve

VALUE = "sk_live_7Hq2-very-secret-value"


@pytest.fixture
def token(admin):
    saved = admin.client.put("/api/v1/secrets/crm.api_key-2", json={"value": VALUE}, headers=admin._headers())
    assert saved.status_code == 200


def test_placeholders_are_filled_in_the_query_the_header_values_and_the_payload(token):
    inputs = {
        "url": "https://api.example.com/v1?key={{secrets.crm.api_key-2}}",
        "method": "POST",
        "headers": {"Authorization": "Bearer {{secrets.crm.api_key-2}}", "X-Count": 3},
        "payload": {"auth": ["{{secrets.crm.api_key-2}}"], "note": "{{ secrets.crm.api_key-2 }}"},
    }
    assert resolve(inputs, DEFAULT_TENANT) == {
        "url": f"https://api.example.com/v1?key={VALUE}",
        "method": "POST",
        "headers": {"Authorization": f"Bearer {VALUE}", "X-Count": 3},
        "payload": {"auth": [VALUE], "note": "{{ secrets.crm.api_key-2 }}"},  # only the exact syntax
    }
    assert "{{secrets" in inputs["url"]  # the inputs themselves are left as they were


def test_a_placeholder_outside_the_query_string_is_refused(token):
    with pytest.raises(ValueError, match="in the url's query string only"):
        resolve({"url": "https://{{secrets.crm.api_key-2}}.example.com/", "method": "GET"}, DEFAULT_TENANT)


def test_an_unknown_or_another_tenants_secret_fails_naming_only_the_name(token):
    for name, tenant in (("crm_api_kee", DEFAULT_TENANT), ("crm.api_key-2", "other")):
        with pytest.raises(UnknownSecret, match=f"secret '{name}', which does not exist") as missing:
            resolve({"url": "https://a.example/", "payload": f"{{{{secrets.{name}}}}}"}, tenant)
        assert VALUE not in str(missing.value)
