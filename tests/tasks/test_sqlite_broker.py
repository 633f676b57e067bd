"""The embedded default's broker (a SQLite file): what a worker took does not stay in it."""

from __future__ import annotations

import sqlite3

from kombu import Connection

from app.tasks import broker_url


def _rows(path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM kombu_message").fetchone()[0]


def test_messages_a_worker_took_leave_no_row_and_one_given_back_comes_again(tmp_path):
    # Every message stayed, marked invisible: the once-a-second sweep alone added 86,400 rows a
    # day, each poll scanned them, and a week-old embedded server spent a core polling.
    with Connection(broker_url(None, tmp_path)) as connection:
        queue = connection.SimpleQueue("celery")
        for n in range(20):
            queue.put({"n": n})
        for n in range(19):
            taken = queue.get(timeout=1)
            assert taken.payload == {"n": n}
            taken.ack()
        given_back = queue.get(timeout=1)
        given_back.requeue()  # a worker stopping gives back what it held
        again = queue.get(timeout=1)
        assert again.payload == {"n": 19}
        again.ack()
        queue.close()
    assert _rows(tmp_path / "celery.db") == 0
