"""Every table, imported here so Alembic and `db.create_all` see the whole schema."""

from app.models.definitions import Definition, Deployment, DeploymentResource
from app.models.identity import ApiToken, Group, GroupMembership, User
from app.models.instances import HistoryEntry, Incident, InstanceState, MessageSubscription, ProcessInstance
from app.models.tasks import TaskCandidate, UserTask

__all__ = [
    "ApiToken",
    "Definition",
    "Deployment",
    "DeploymentResource",
    "Group",
    "GroupMembership",
    "HistoryEntry",
    "Incident",
    "InstanceState",
    "MessageSubscription",
    "ProcessInstance",
    "TaskCandidate",
    "User",
    "UserTask",
]
