"""`load`: how request data is validated and how its errors name the fields."""

import pytest
from werkzeug.datastructures import MultiDict

from app.errors import ValidationError
from app.schemas.brief import LinkOrdersSchema
from app.schemas.core import InstanceQuerySchema, StartInstanceSchema
from app.schemas.deployments import DeploymentFormSchema
from app.schemas.loading import load


def _refused(schema, data, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        load(schema, data, **kw)
    return caught.value


def test_an_unknown_field_is_named_with_the_one_it_most_looks_like():
    error = _refused(StartInstanceSchema, {"varibles": {}})
    assert error.message == "invalid request: unknown field 'varibles' (did you mean 'variables'?)"


def test_an_unknown_field_like_none_lists_the_known_ones():
    error = _refused(StartInstanceSchema, {"zzz": 1})
    known = "businessKey, business_key, variables"
    assert error.message == f"invalid request: unknown field 'zzz'; known: {known}"


def test_query_parameters_are_called_so():
    error = _refused(InstanceQuerySchema, MultiDict([("stauts", "running")]))
    assert "unknown query parameter 'stauts' (did you mean 'status'?)" in error.message


def test_unknown_and_invalid_fields_are_named_together():
    error = _refused(StartInstanceSchema, {"business_key": "x" * 300, "varibles": {}})
    assert error.message.startswith("invalid request: business_key, unknown field 'varibles'")


def test_an_unknown_field_in_a_nested_item_is_refused_too():
    order = {"ref": "a", "definition_key": "k", "title": "t", "estimatd_hours": 3}
    error = _refused(LinkOrdersSchema, {"orders": [order]})
    assert error.details["fields"]["orders"][0] == {"estimatd_hours": ["Unknown field."]}


def test_an_alias_and_its_field_with_the_same_value_are_one():
    data = load(StartInstanceSchema, {"businessKey": "A", "business_key": "A"})
    assert data["business_key"] == "A" and "business_key_camel" not in data
    assert load(InstanceQuerySchema, MultiDict([("definition_key", "k")]))["key"] == "k"


def test_camundas_deployment_fields_are_read_and_the_ignored_ones_dropped():
    form = MultiDict(
        [("deployment-name", "n"), ("deployment-source", "Modeler"), ("deploy-changed-only", "true")]
    )
    loaded = load(DeploymentFormSchema, form, source="form field")
    assert loaded == {"name": "n", "publish": True, "tenant_id": None}
