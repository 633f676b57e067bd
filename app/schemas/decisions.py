"""Answer shapes of the decision definitions API (GET /decision-definitions...)."""

from __future__ import annotations

from marshmallow import fields

from app.schemas.core import DefinitionSchema
from app.schemas.responses import page_of


class DecisionDefinitionSchema(DefinitionSchema):
    version_tag = fields.Function(
        lambda definition: (definition.meta or {}).get("version_tag"),
        allow_none=True,
        metadata={"description": "camunda:versionTag, what a versionTag binding names"},
    )


class DecisionDefinitionDetailSchema(DecisionDefinitionSchema):
    versions = fields.List(fields.Nested(DecisionDefinitionSchema))


DecisionDefinitionPageSchema = page_of(DecisionDefinitionSchema, "DecisionDefinitionPageSchema")
