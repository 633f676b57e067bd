"""What each API route takes and answers, in one table beside the routes.

The OpenAPI document (app/api/openapi.py) is built from it, and the blueprint refuses a query
parameter or a body field that a route does not take (app/api/__init__.py) instead of ignoring it.
A route missing here fails tests/api/test_openapi.py. The routes still load their own schemas: the
table says which ones they are, and that test sends each route a field it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema

from app.schemas import brief, core, decisions, incidents, notifications, responses, security
from app.schemas.deployments import DeploymentFormSchema, DeploymentSchema

MULTIPART, XML = "multipart/form-data", "application/xml"


@dataclass(frozen=True)
class Contract:
    summary: str
    # None: no content (204); XML: the model's source; a dict: a JSON schema as it stands
    answer: type[Schema] | str | dict | None
    status: int = 200
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    media: str = "application/json"  # of the body
    replay: str | None = None  # when 201 is for a new thing, what a 200 means
    idempotent: bool = False  # takes an Idempotency-Key header
    missing: str | None = None  # when a 404 happens to a route whose path names nothing
    conflicts: str | None = None  # when a 409 happens
    unprocessable: str | None = None  # when a 422 happens
    throttled: str | None = None  # when a 429 happens


C = Contract
_STATE = "the task or instance is not in a state that allows it (the message says which)"
_OPEN = "the task is not open, someone else holds it, or its instance is suspended"

CONTRACTS: dict[str, Contract] = {
    "api.health": C("Is the server up and its database reachable", responses.HealthSchema),
    "api.openapi": C("This document", responses.DocumentSchema),
    "api.create_deployment": C(
        "Deploy BPMN, DMN and form files",
        DeploymentSchema,
        201,
        body=DeploymentFormSchema,
        media=MULTIPART,
        replay="no file is new: nothing is stored; the earlier deployment holding those versions",
    ),
    "api.list_process_definitions": C(
        "The latest version of each process", responses.DefinitionPageSchema, query=core.PageSchema
    ),
    "api.get_process_definition": C(
        "One process definition and its versions",
        responses.DefinitionDetailSchema,
        query=core.VersionQuerySchema,
    ),
    "api.get_process_definition_xml": C("The BPMN source", XML, query=core.VersionQuerySchema),
    "api.change_process_definition_status": C(
        "Publish or deprecate a version", core.DefinitionSchema, body=core.StatusChangeSchema
    ),
    "api.start_instance": C(
        "Start an instance of the latest published version",
        responses.InstanceDetailSchema,
        201,
        body=core.StartInstanceSchema,
        replay="the Idempotency-Key was seen before: the instance it started",
        idempotent=True,
        conflicts="the definition has no published version, or only a message, signal or timer starts it",
        unprocessable="the deployed model cannot be loaded to run",
    ),
    "api.get_start_form": C(
        "The start form of the latest published version and its defaults",
        core.FormSchema,
        conflicts="the definition has no published version",
    ),
    "api.list_instances": C(
        "Process instances", responses.InstancePageSchema, query=core.InstanceQuerySchema
    ),
    "api.get_instance": C("One instance with its open tasks", responses.InstanceDetailSchema),
    "api.instance_history": C(
        "The elements the instance went through",
        responses.HistoryPageSchema,
        query=core.HistoryQuerySchema,
    ),
    "api.suspend_instance": C("Suspend an instance", core.InstanceSchema, conflicts=_STATE),
    "api.resume_instance": C("Resume a suspended instance", core.InstanceSchema, conflicts=_STATE),
    "api.cancel_instance": C(
        "Cancel an instance", core.InstanceSchema, body=security.ReasonSchema, conflicts=_STATE
    ),
    "api.preview_migration": C(
        "What moving the instance to another version of its process would do",
        responses.MigrationPlanSchema,
        query=core.MigrationQuerySchema,
        missing="the instance, or that version of its process, does not exist",
        conflicts="the instance has ended or already runs on that version",
    ),
    "api.migrate_instance": C(
        "Move the instance to another version of its process",
        responses.MigrationPlanSchema,
        body=core.MigrationSchema,
        missing="the instance, or that version of its process, does not exist",
        conflicts="something stops the migration (details.problems name each); nothing was changed",
    ),
    "api.list_tasks": C("Tasks I may see", responses.TaskPageSchema, query=core.TaskQuerySchema),
    "api.get_task": C("One task", core.TaskSchema),
    "api.get_task_form": C("The task's form and the values it opens with", core.FormSchema),
    "api.claim_task": C("Claim a task for me", core.TaskSchema, conflicts=_OPEN),
    "api.unclaim_task": C("Give a task back to its candidates", core.TaskSchema, conflicts=_OPEN),
    "api.complete_task": C(
        "Complete a task with its form's values",
        responses.CompletionSchema,
        body=core.CompleteTaskSchema,
        conflicts=_OPEN,
        unprocessable="the task's output mapping failed: nothing was completed, the task stays open",
        throttled="five wrong signing passwords in 15 minutes: signing waits until the window passes",
    ),
    "api.delegate_task": C(
        "Hand a task to another user", core.TaskSchema, body=core.DelegateTaskSchema, conflicts=_OPEN
    ),
    "api.list_incidents": C("Incidents", responses.IncidentPageSchema, query=incidents.IncidentQuerySchema),
    "api.retry_incident": C(
        "Retry the failed step, with corrected variables",
        incidents.IncidentSchema,
        body=core.EvaluateSchema,
        conflicts="the incident is resolved already, or the step fails again",
    ),
    "api.resolve_incident": C(
        "Mark an incident resolved", incidents.IncidentSchema, conflicts="resolved already"
    ),
    "api.list_deliveries": C(
        "Email and webhook deliveries (status=failed: the dead letters)",
        responses.DeliveryPageSchema,
        query=notifications.DeliveryQuerySchema,
    ),
    "api.retry_delivery": C(
        "Give a failed delivery a fresh round of attempts",
        notifications.DeliverySchema,
        conflicts="the delivery has not failed",
    ),
    "api.post_message": C(
        "Correlate a message to waiting instances or start one",
        responses.CorrelationSchema,
        201,
        body=core.MessageSchema,
        replay="delivered to waiting instances; none started",
        missing="no instance waits for the message and no process starts on it",
        conflicts="more than one instance waits and `all` is false, or the one waiting is suspended",
    ),
    "api.post_signal": C(
        "Send a signal to every instance waiting for it (none waiting is no error)",
        responses.SignalDeliverySchema,
        body=core.SignalSchema,
    ),
    "api.list_decision_definitions": C(
        "The latest version of each decision",
        decisions.DecisionDefinitionPageSchema,
        query=core.PageSchema,
    ),
    "api.get_decision_definition": C(
        "One decision definition and its versions",
        decisions.DecisionDefinitionDetailSchema,
        query=core.VersionQuerySchema,
    ),
    "api.get_decision_definition_xml": C("The DMN source", XML, query=core.VersionQuerySchema),
    "api.change_decision_definition_status": C(
        "Publish or deprecate a decision version",
        decisions.DecisionDefinitionSchema,
        body=core.StatusChangeSchema,
    ),
    "api.evaluate": C(
        "Evaluate a decision: the latest published version, or the version asked for in any status",
        responses.DecisionResultSchema,
        body=core.EvaluateSchema,
        query=core.VersionQuerySchema,
        unprocessable="the decision could not be evaluated with these variables",
    ),
    "api.list_tokens": C("My API tokens (never their values)", responses.TokenPageSchema),
    "api.create_api_token": C(
        "Create an API token for me", responses.NewTokenSchema, 201, body=security.TokenCreateSchema
    ),
    "api.revoke_api_token": C(
        "Revoke one of my API tokens", security.TokenSchema, conflicts="the token is revoked already"
    ),
    "api.list_audit": C("The audit trail", responses.AuditPageSchema, query=security.AuditQuerySchema),
    "api.verify_audit": C("Verify my tenant's audit hash chain", responses.AuditVerificationSchema),
    "api.list_audit_seals": C(
        "Signed checkpoints of my tenant's audit chain", responses.AuditSealPageSchema, query=core.PageSchema
    ),
    "api.list_signatures": C("The electronic signatures of an instance", responses.SignaturePageSchema),
    "api.verify_signatures": C("Verify an instance's signatures", responses.VerificationSchema),
    "api.list_secrets": C("Names of the handler secrets", responses.SecretPageSchema),
    "api.set_secret": C(
        "Create or replace a handler secret", security.SecretSchema, body=security.SecretSetSchema
    ),
    "api.delete_secret": C("Delete a handler secret", None, 204),
    "api.create_delegation": C(
        "Delegate my tasks while I am away",
        brief.DelegationSchema,
        201,
        body=brief.DelegationCreateSchema,
    ),
    "api.list_delegations": C("Delegations from or to me", responses.DelegationPageSchema),
    "api.revoke_delegation": C("Revoke a delegation", brief.DelegationSchema),
    "api.sla_report": C(
        "SLA report: open clocks and compliance", responses.SlaReportSchema, query=brief.SlaQuerySchema
    ),
    "api.sla_summary": C(
        "SLA compliance per process or team", responses.SlaSummarySchema, query=brief.SlaSummaryQuerySchema
    ),
    "api.instance_sla": C("The SLA clock and events of an instance", responses.InstanceSlaSchema),
    "api.link_work_orders": C(
        "Link work orders to a master order",
        responses.LinksSchema,
        201,
        body=brief.LinkOrdersSchema,
        conflicts="the master is completed, cancelled or suspended (details.status)",
    ),
    "api.work_order_progress": C("Progress of a master work order", responses.WorkOrderProgressSchema),
    "api.list_notifications": C(
        "My notifications", responses.NotificationPageSchema, query=notifications.NotificationQuerySchema
    ),
    "api.read_notification": C("Mark one of my notifications read", notifications.NotificationSchema),
    "api.read_all_notifications": C("Mark all my notifications read", responses.MarkedSchema),
    "api.get_notification_preferences": C("Which channels I hear on", responses.ChannelsSchema),
    "api.set_notification_preferences": C(
        "Subscribe to or unsubscribe from channels",
        responses.ChannelsSchema,
        body=notifications.PreferencesSchema,
    ),
}
