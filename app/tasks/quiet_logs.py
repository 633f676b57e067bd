"""Keep the once-a-second due-job sweep out of the worker's and beat's INFO log.

Beat logs "Sending due task", the worker "received" and "succeeded" for every sweep: four lines a
second that bury the lines people read the log for (a service task's run, a failure, start-up). The
jobs a sweep fires still log their own lines, and a sweep that fails still logs at WARNING or above.
"""

from __future__ import annotations

import logging

ROUTINE = frozenset({"baton.sweep", "sweep-due-jobs"})  # the task and its beat entry (app.tasks.schedule)
# Where Celery logs a task sent by beat, received by a worker, and finished.
LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class RoutineSweepFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        args = record.args
        values = args.values() if isinstance(args, dict) else (args or ())
        return not any(isinstance(value, str) and value in ROUTINE for value in values)


def quiet_routine_sweeps() -> None:
    """Attach the filter once per process (safe to call again)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RoutineSweepFilter) for f in logger.filters):
            logger.addFilter(RoutineSweepFilter())
