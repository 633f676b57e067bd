"""The sign-in limits' counts read only the failures of the username tried, through their own index."""

from __future__ import annotations

from sqlalchemy import event

from app.extensions import db


def test_the_failure_counts_are_read_through_the_partial_index(app, db_session, make_user):
    from app.services import identity, sign_ins

    make_user("frank")
    identity.authenticate_password("frank", "guess", "10.0.0.1")
    counts: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM audit_entries" in statement:
            counts.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert sign_ins.sign_in_blocked("frank", "10.0.0.1") is None
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(counts) == 2  # per address, then per account
    connection = db_session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a test trail is small enough to scan
    for statement, parameters in counts:
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
        assert "ix_audit_sign_in_failures" in plan, plan
