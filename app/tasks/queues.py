"""The two Celery queues: the default one (the sweep, timers, start timers, escalations, SLA
checks: short steps that must run on time) and `handlers` (service-task handlers and notification
deliveries, which wait on other systems for seconds or minutes). On one worker a PT1S timer waited
for the slowest handler holding a slot; a worker for each queue (docker-compose.yml) keeps them apart.
"""

DEFAULT_QUEUE = "celery"
HANDLERS_QUEUE = "handlers"
HANDLER_KINDS = ("service", "notification")  # job kinds that call out (models.jobs.SERVICE, notifications)
