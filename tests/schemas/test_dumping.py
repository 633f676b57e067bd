"""The compiled dumps answer exactly what the marshmallow schemas they stand for would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import Schema, fields

from app.models import ProcessInstance, UserTask
from app.schemas.core import InstanceSchema, TaskSchema, dump_instance, dump_task, task_rows_json
from app.schemas.dumping import dumper

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _task(**overrides) -> UserTask:
    values = dict(
        id=uuid.uuid4(),
        instance_id=uuid.uuid4(),
        definition_key="routing",
        element_id="Task_review",
        name="Review",
        documentation="Look at it",
        assignee="ann",
        candidate_users=["ann", "bob"],
        candidate_groups=["qa"],
        priority=70,
        due=NOW + timedelta(days=1),
        follow_up=NOW,
        created_at=NOW,
        form={"components": [{"key": "ok", "type": "checkbox"}]},
        status="completed",
        completed_at=NOW,
        completed_by="ann",
    )
    return UserTask(**{**values, **overrides})


def test_task_dump_matches_the_schema_with_every_field_set():
    task = _task()
    assert dump_task(task) == TaskSchema().dump(task)


def test_task_dump_matches_the_schema_with_the_optional_fields_empty():
    task = _task(name=None, documentation=None, assignee=None, due=None, follow_up=None, form=None)
    task.completed_at = task.completed_by = None
    assert dump_task(task) == TaskSchema().dump(task)


def test_task_list_rows_dump_like_the_schema():
    task = _task(candidate_users=[], due=None)
    row = {column: getattr(task, column) for column in TaskSchema().fields}
    assert task_rows_json([row]) == [TaskSchema().dump(row)]


def test_instance_dump_matches_the_schema():
    instance = ProcessInstance(
        id=uuid.uuid4(),
        status="waiting",
        definition_key="routing",
        definition_version=3,
        business_key=None,
        variables={"wear_mm": 0.1, "nested": {"a": [1, 2]}},
        active_elements=["Task_review"],
        outcome=None,
        started_by="ann",
        created_at=NOW,
        ended_at=None,
    )
    assert dump_instance(instance) == InstanceSchema().dump(instance)


def test_a_mapping_lacking_a_field_leaves_it_out_as_marshmallow_does():
    row = {"id": uuid.uuid4(), "status": "open"}
    assert dump_task(row) == TaskSchema().dump(row) == {"id": str(row["id"]), "status": "open"}


def test_dumper_refuses_a_field_it_cannot_compile():
    class WithNested(Schema):
        inner = fields.Nested(InstanceSchema)

    with pytest.raises(TypeError, match="dump this schema with marshmallow"):
        dumper(WithNested)
