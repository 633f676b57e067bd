"""The embedded default's broker: kombu's SQLAlchemy transport on a SQLite file, with two changes.

- A message a worker took is deleted. Kombu's transport only marks it invisible, and nothing reads
  an invisible row again (a worker holds what it took and puts a message it gives back as a new
  row), so the table kept every message ever sent: with the due-job sweep sent every second, 86,400
  rows a day, and each poll scanned them all in time order (0.35 s a poll after a week, 870 MB),
  so an embedded server left running spent a core polling while its timers fell behind.
- It is polled every 0.1 s (1 s by default), which keeps a due timer's lag well under a second.
"""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Channel as SqlChannel
from kombu.transport.sqlalchemy import Transport as SqlTransport
from sqlalchemy import delete

SCHEME = "batonsqla"  # broker URL `batonsqla+sqlite:///<path>`


class Channel(SqlChannel):
    def _get(self, queue):
        payload = super()._get(queue)  # (raises Empty when there is none) marks the row it took
        self.session.execute(delete(self.message_cls).where(self.message_cls.visible.is_(False)))
        self.session.commit()
        return payload


class Transport(SqlTransport):
    Channel = Channel
    polling_interval = 0.1


def register() -> str:
    """Make the scheme known to kombu (safe to call again); returns it."""
    TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"
    return SCHEME
