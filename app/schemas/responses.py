"""The shapes of the API's answers that are more than one resource: pages, a resource with what comes
with it, and small results. The OpenAPI document is built from them; tests/api/test_openapi.py checks
real answers against it, so a route that answers another shape fails there."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from app.schemas.brief import DelegationSchema, LinkSchema, SlaEventSchema
from app.schemas.core import DefinitionSchema, HistoryEntrySchema, InstanceSchema, TaskSchema
from app.schemas.incidents import IncidentSchema
from app.schemas.notifications import DeliverySchema, NotificationSchema
from app.schemas.security import AuditEntrySchema, AuditSealSchema, SecretSchema, SignatureSchema, TokenSchema


def page_of(item: type[Schema], name: str, **extra: fields.Field) -> type[Schema]:
    """`{items: [item], total}`, named `name` in the document."""
    declared: dict[str, fields.Field] = {
        "items": fields.List(fields.Nested(item)),
        "total": fields.Integer(),
        **extra,
    }
    return Schema.from_dict(declared, name=name)


DefinitionPageSchema = page_of(DefinitionSchema, "DefinitionPageSchema")
InstancePageSchema = page_of(InstanceSchema, "InstancePageSchema")
HistoryPageSchema = page_of(HistoryEntrySchema, "HistoryPageSchema")
TaskPageSchema = page_of(
    TaskSchema,
    "TaskPageSchema",
    total_is_lower_bound=fields.Boolean(metadata={"description": "total was counted only so far"}),
)
IncidentPageSchema = page_of(IncidentSchema, "IncidentPageSchema")
DeliveryPageSchema = page_of(DeliverySchema, "DeliveryPageSchema")
DelegationPageSchema = page_of(DelegationSchema, "DelegationPageSchema")
TokenPageSchema = page_of(TokenSchema, "TokenPageSchema")
AuditPageSchema = page_of(AuditEntrySchema, "AuditPageSchema")
AuditSealPageSchema = page_of(
    AuditSealSchema,
    "AuditSealPageSchema",
    key=fields.Dict(
        metadata={"description": "the seal key's public half: {algorithm, key_id, public_key (base64)}"}
    ),
)
SignaturePageSchema = page_of(SignatureSchema, "SignaturePageSchema")
SecretPageSchema = page_of(SecretSchema, "SecretPageSchema")
NotificationPageSchema = Schema.from_dict(
    {"items": fields.List(fields.Nested(NotificationSchema)), "unread": fields.Integer()},
    name="NotificationPageSchema",
)


class DefinitionDetailSchema(DefinitionSchema):
    versions = fields.List(fields.Nested(DefinitionSchema))
    candidate_starter_groups = fields.List(fields.String())


class InstanceDetailSchema(InstanceSchema):
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "its open tasks I may see"})


class MigrationElementSchema(Schema):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    status = fields.String(
        metadata={
            "description": "kept, moved (reached from elsewhere), changed, mapped (to another id) or removed"
        }
    )
    target_element_id = fields.String(
        allow_none=True, metadata={"description": "the target's element its token moves to (null: none)"}
    )


class MigrationPlanSchema(Schema):
    from_version = fields.Integer()
    to_version = fields.Integer()
    ok = fields.Boolean(metadata={"description": "nothing stops the migration"})
    active = fields.List(
        fields.Nested(MigrationElementSchema), metadata={"description": "elements holding a token"}
    )
    problems = fields.List(fields.String())


class InstanceStateSchema(Schema):
    id = fields.UUID()
    status = fields.String()


class CompletionSchema(TaskSchema):
    instance = fields.Nested(InstanceStateSchema)
    next_tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "tasks it opened"})


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the token itself, in this answer only"})


class CorrelationSchema(Schema):
    delivered_to = fields.List(fields.UUID(), metadata={"description": "instances that got it"})
    started = fields.UUID(allow_none=True, metadata={"description": "the instance it started"})


class SignalDeliverySchema(Schema):
    delivered_to = fields.List(fields.UUID(), metadata={"description": "instances that caught it"})
    started = fields.List(fields.UUID(), metadata={"description": "instances its start events started"})


class DecisionResultSchema(Schema):
    result = fields.Raw(allow_none=True, metadata={"description": "the decision's output"})


class MarkedSchema(Schema):
    marked = fields.Integer()


class ChannelsSchema(Schema):
    inapp = fields.Boolean()
    email = fields.Boolean()


class HealthSchema(Schema):
    status = fields.String()


class LinksSchema(Schema):
    items = fields.List(fields.Nested(LinkSchema))


class InstanceSlaSchema(Schema):
    class Meta:
        unknown = INCLUDE  # the clock's own fields come along when its process has an SLA

    events = fields.List(fields.Nested(SlaEventSchema))
    state = fields.String(allow_none=True, metadata={"description": "null: the process has no SLA"})


class SlaSummarySchema(Schema):
    group_by = fields.String()
    items = fields.List(fields.Dict())
    total = fields.Integer()


class SlaReportSchema(Schema):
    open = fields.List(fields.Dict(), metadata={"description": "open clocks, nearest to breach first"})
    definitions = fields.List(fields.Dict())
    teams = fields.List(fields.Dict())


class AuditVerificationSchema(Schema):
    ok = fields.Boolean()
    checked = fields.Integer(metadata={"description": "entries checked"})
    broken = fields.Dict(
        allow_none=True,
        metadata={"description": "null, or the first broken link: {tenant, seq, id, problem}"},
    )
    sealed_through = fields.Dict(
        metadata={"description": "per tenant, the last entry a valid seal vouches for (null: none yet)"}
    )


class VerificationSchema(Schema):
    ok = fields.Boolean()
    count = fields.Integer()
    signatures = fields.List(fields.Dict())


class WorkOrderProgressSchema(Schema):
    master = fields.Dict()
    orders = fields.List(fields.Dict())
    total = fields.Integer()
    percent_complete = fields.Float()
    blocked = fields.List(fields.String())
    waiting = fields.List(fields.String())
    withdrawn = fields.List(fields.String(), metadata={"description": "orders withdrawn before they started"})
    critical_path = fields.Dict()


class DocumentSchema(Schema):
    class Meta:
        unknown = INCLUDE

    openapi = fields.String()
