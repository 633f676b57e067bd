"""The permission every API route needs, checked once per request after authentication.

One table instead of a decorator per route: a reviewer sees every route's rule in one place, and
a route missing here is refused for everyone but admins (fail closed) and fails
tests/api/test_permissions.py until it is added.
"""

from __future__ import annotations

from app.errors import Forbidden
from app.models import User
from app.services import permissions as p

ENDPOINT_PERMISSIONS = {
    "api.create_deployment": p.DEPLOY,
    "api.list_process_definitions": p.READ,
    "api.get_process_definition": p.READ,
    "api.get_process_definition_xml": p.READ,
    "api.change_process_definition_status": p.PUBLISH,
    "api.start_instance": p.START,
    "api.get_start_form": p.START,  # who may start the process may see its form (services/forms.py)
    "api.list_instances": p.READ,
    "api.get_instance": p.READ,
    "api.instance_history": p.READ,
    "api.suspend_instance": p.OPERATE,
    "api.preview_migration": p.OPERATE,
    "api.migrate_instance": p.OPERATE,
    "api.resume_instance": p.OPERATE,
    "api.cancel_instance": p.OPERATE,
    "api.list_tasks": p.TRIAGE,
    "api.get_task": p.TRIAGE,
    "api.get_task_form": p.WORK,
    "api.claim_task": p.WORK,
    "api.unclaim_task": p.WORK,
    "api.complete_task": p.WORK,
    "api.delegate_task": p.TRIAGE,
    "api.list_incidents": p.OPERATE,
    "api.retry_incident": p.OPERATE,
    "api.resolve_incident": p.OPERATE,
    "api.list_deliveries": p.OPERATE,
    "api.retry_delivery": p.OPERATE,
    "api.post_message": p.CORRELATE,
    "api.post_signal": p.CORRELATE,
    "api.list_decision_definitions": p.READ,
    "api.get_decision_definition": p.READ,
    "api.get_decision_definition_xml": p.READ,
    "api.change_decision_definition_status": p.PUBLISH,
    "api.evaluate": p.DECIDE,  # any version, drafts too: a modeler tests a table before publishing it
    "api.list_tokens": p.SELF,
    "api.create_api_token": p.SELF,
    "api.revoke_api_token": p.SELF,
    "api.list_audit": p.AUDIT,
    "api.verify_audit": p.AUDIT,
    "api.list_audit_seals": p.AUDIT,
    "api.verify_signatures": p.AUDIT,
    "api.list_signatures": p.READ,
    "api.list_secrets": p.ADMIN,
    "api.set_secret": p.ADMIN,
    "api.delete_secret": p.ADMIN,
    "api.create_delegation": p.WORK,  # own out-of-office; permanent or for others: admins (service)
    "api.list_delegations": p.WORK,
    "api.revoke_delegation": p.WORK,
    "api.sla_report": p.READ,
    "api.sla_summary": p.READ,
    "api.instance_sla": p.READ,
    "api.link_work_orders": p.START,
    "api.work_order_progress": p.READ,
    "api.list_notifications": p.SELF,  # every route of notifications is about the caller's own
    "api.read_notification": p.SELF,
    "api.read_all_notifications": p.SELF,
    "api.get_notification_preferences": p.SELF,
    "api.set_notification_preferences": p.SELF,
}


def check_endpoint(user: User, endpoint: str | None) -> None:
    """Raise a 403 unless `user` may call `endpoint`."""
    if endpoint is None:
        return  # no route matched: the 404 handler answers
    permission = ENDPOINT_PERMISSIONS.get(endpoint)
    if permission is None:
        if user.is_admin:
            return
        raise Forbidden(
            f"no permission is declared for route '{endpoint}'; only admins may call it",
            {"permission": None},
        )
    p.require(user, permission)
