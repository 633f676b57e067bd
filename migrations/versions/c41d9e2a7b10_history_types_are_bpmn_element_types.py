"""history types are BPMN element types: `userTask`, `callActivity`, not the engine's class names

History rows written before held the engine's class name of each element (BatonCallActivity,
DecisionTask, BatonSequentialMultiInstance). They are rewritten to the element's BPMN type, as new
rows are written: from the class where it names one type, else from the element as its definition
recorded it (a multi-instance activity reports its inner activity's type; a BatonServiceTask was a
serviceTask or a sendTask). Data only; the schema does not change.

Revision ID: c41d9e2a7b10
Revises: c5d2e8f14a37
Create Date: 2026-12-06 22:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c41d9e2a7b10'
down_revision = 'c5d2e8f14a37'
branch_labels = None
depends_on = None

BY_CLASS = {
    "StartEvent": "startEvent", "EventSubprocessStart": "startEvent", "EndEvent": "endEvent",
    "CompensationEndEvent": "endEvent", "UserTask": "userTask", "ManualTask": "manualTask",
    "NoneTask": "task", "ScriptTask": "scriptTask", "DecisionTask": "businessRuleTask",
    "BusinessRuleTask": "businessRuleTask", "BatonCallActivity": "callActivity",
    "CallActivity": "subProcess", "SubWorkflowTask": "subProcess", "BatonEventSubprocess": "subProcess",
    "CompensationEventSubprocess": "subProcess", "TransactionSubprocess": "transaction",
    "AdHocSubprocess": "adHocSubProcess", "ExclusiveGateway": "exclusiveGateway",
    "ParallelGateway": "parallelGateway", "InclusiveGateway": "inclusiveGateway",
    "EventBasedGateway": "eventBasedGateway", "IntermediateCatchEvent": "intermediateCatchEvent",
    "CompensationThrowEvent": "intermediateThrowEvent", "BoundaryEvent": "boundaryEvent",
    "ReceiveTask": "receiveTask", "SendTask": "sendTask", "ServiceTask": "serviceTask",
}  # fmt: skip
# Classes that stand for more than one element type: the definition's element says which.
BY_ELEMENT = {
    "BatonServiceTask": "serviceTask",
    "IntermediateThrowEvent": "intermediateThrowEvent",
    "BatonSequentialMultiInstance": "multiInstanceBody",
    "BatonParallelMultiInstance": "multiInstanceBody",
    "SequentialMultiInstanceTask": "multiInstanceBody",
    "ParallelMultiInstanceTask": "multiInstanceBody",
    "StandardLoopTask": "multiInstanceBody",
}

history = sa.table(
    "history_entries",
    sa.column("instance_id", sa.Uuid),
    sa.column("element_id", sa.String),
    sa.column("element_type", sa.String),
)
instances = sa.table("process_instances", sa.column("id", sa.Uuid), sa.column("definition_id", sa.Uuid))
definitions = sa.table("definitions", sa.column("id", sa.Uuid), sa.column("meta", sa.JSON))


def upgrade():
    connection = op.get_bind()
    for old, new in BY_CLASS.items():
        connection.execute(history.update().where(history.c.element_type == old).values(element_type=new))
    pairs = connection.execute(
        sa.select(instances.c.definition_id, history.c.element_id, history.c.element_type)
        .distinct()
        .join(instances, instances.c.id == history.c.instance_id)
        .where(history.c.element_type.in_(list(BY_ELEMENT)))
    ).all()
    metas: dict = {}
    for definition_id, element_id, old in pairs:
        if definition_id not in metas:
            meta = connection.execute(
                sa.select(definitions.c.meta).where(definitions.c.id == definition_id)
            ).scalar()
            metas[definition_id] = (json.loads(meta) if isinstance(meta, str) else meta) or {}
        element = (metas[definition_id].get("elements") or {}).get(element_id) or {}
        new = element.get("type") or BY_ELEMENT[old]
        of_definition = sa.select(instances.c.id).where(instances.c.definition_id == definition_id)
        connection.execute(
            history.update()
            .where(
                history.c.element_type == old,
                history.c.element_id == element_id,
                history.c.instance_id.in_(of_definition),
            )
            .values(element_type=new)
        )


def downgrade():
    pass  # the class names are not needed by anything: rows keep their BPMN types
