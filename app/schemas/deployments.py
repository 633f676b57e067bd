"""The multipart upload of POST /deployments: Baton's own text parts and those of Camunda 7's
/deployment/create, which Camunda Modeler's deploy dialog and Camunda clients send."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from app.schemas.core import DefinitionSchema
from app.schemas.loading import Request, merge_alias

_CHANGED_ONLY = (
    "accepted for Camunda clients: Baton never makes a new version of a file that did not change, "
    "so this is always true"
)


class DeploymentFormSchema(Request):
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    deployment_name = fields.String(
        data_key="deployment-name",
        load_only=True,
        validate=validate.Length(max=200),
        metadata={"description": "Camunda's name for name; send one of the two"},
    )
    publish = fields.Boolean(
        load_default=True, metadata={"description": "false deploys the new versions as drafts"}
    )
    deployment_source = fields.String(
        data_key="deployment-source",
        load_only=True,
        metadata={"description": "accepted and ignored: the audit trail records who deployed"},
    )
    enable_duplicate_filtering = fields.Boolean(
        data_key="enable-duplicate-filtering", load_only=True, metadata={"description": _CHANGED_ONLY}
    )
    deploy_changed_only = fields.Boolean(
        data_key="deploy-changed-only", load_only=True, metadata={"description": _CHANGED_ONLY}
    )
    tenant_id = fields.String(
        data_key="tenant-id",
        load_default=None,
        metadata={"description": "when given, the caller's own tenant (a deployment goes there)"},
    )

    @post_load
    def _camunda(self, data: dict, **kwargs) -> dict:
        for ignored in ("deployment_source", "enable_duplicate_filtering", "deploy_changed_only"):
            data.pop(ignored, None)
        return merge_alias(data, "deployment_name", "name")


class DeploymentSchema(Schema):
    id = fields.UUID()
    name = fields.String(allow_none=True)
    warnings = fields.List(fields.Dict(), metadata={"description": "what the models may not do as meant"})
    definitions = fields.List(fields.Nested(DefinitionSchema))
