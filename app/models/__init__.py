"""Every table, imported here so Alembic and `db.create_all` see the whole schema."""

from app.models.brief import Delegation, SlaClock, SlaEvent, WorkOrderLink
from app.models.definitions import CatalogVersion, Definition, Deployment, DeploymentResource
from app.models.identity import ApiToken, Group, GroupMembership, User
from app.models.instances import HistoryEntry, Incident, InstanceState, MessageSubscription, ProcessInstance
from app.models.jobs import Job
from app.models.notifications import Escalation, Notification, NotificationPreference
from app.models.security import AuditEntry, AuditHead, AuditSeal, Secret, Signature, UserKey
from app.models.tasks import TaskCandidate, UserTask

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "AuditSeal",
    "CatalogVersion",
    "Definition",
    "Delegation",
    "Deployment",
    "DeploymentResource",
    "Escalation",
    "Group",
    "GroupMembership",
    "HistoryEntry",
    "Incident",
    "InstanceState",
    "Job",
    "MessageSubscription",
    "Notification",
    "NotificationPreference",
    "ProcessInstance",
    "Secret",
    "Signature",
    "SlaClock",
    "SlaEvent",
    "TaskCandidate",
    "User",
    "UserKey",
    "UserTask",
    "WorkOrderLink",
]
