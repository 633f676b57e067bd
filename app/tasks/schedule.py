"""The one periodic schedule: every repeating job Baton runs, in one table."""

BEAT_SCHEDULE = {
    # Claim due timers, retries and lost jobs; each fires exactly once (see app.services.jobs).
    "sweep-due-jobs": {"task": "baton.sweep", "schedule": 1.0, "options": {"expires": 5}},
    # Move SLA clocks to at-risk (80 %) and breached (100 %) without waiting for a step.
    "check-sla-clocks": {"task": "baton.check_sla", "schedule": 60.0, "options": {"expires": 55}},
    # Sign each tenant's audit chain head that moved (app.services.audit_seals).
    "seal-audit-trail": {"task": "baton.seal_audit", "schedule": 60.0, "options": {"expires": 55}},
}
