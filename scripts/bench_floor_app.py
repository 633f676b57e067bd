"""The stack floor: the least a Flask app under Baton's gunicorn can do for B1's two calls.

POST /start takes the same JSON body as a Baton start and inserts one row in one transaction;
POST /tasks/<id>/complete takes a completion's body and updates that row in another. No engine, no
auth, no ORM: Flask, werkzeug, gunicorn and psycopg only. `scripts/bench_floor.py` serves it with
gunicorn.conf.py and drives it with B1's own client, so the bench can say how much of the ratio to
pgbench -N the stack itself leaves for Baton's work. Served with `bench_floor_app:app`
(FLOOR_DATABASE_URL names the database; bench_floor.py creates its table).
"""

from __future__ import annotations

import json
import os
import threading

import psycopg
from flask import Flask, abort, jsonify, request

DATABASE_URL = os.environ.get("FLOOR_DATABASE_URL", "")
TABLE = "CREATE TABLE floor_rows (id bigserial PRIMARY KEY, variables jsonb NOT NULL, done boolean NOT NULL)"

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection:
    """One connection per server thread, opened on its first request (a pool of its own)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(DATABASE_URL)
    return conn


@app.get("/health")
def health():
    return jsonify({"status": "ok"})


@app.post("/start")
def start():
    variables = (request.get_json(silent=True) or {}).get("variables") or {}
    conn = _connection()
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO floor_rows (variables, done) VALUES (%s, false) RETURNING id",
            (json.dumps(variables),),
        ).fetchone()
    return jsonify({"id": row[0], "status": "waiting", "tasks": [{"id": row[0]}]}), 201


@app.post("/tasks/<int:row_id>/complete")
def complete(row_id: int):
    request.get_json(silent=True)
    conn = _connection()
    with conn.transaction():
        done = conn.execute(
            "UPDATE floor_rows SET done = true WHERE id = %s AND NOT done RETURNING id", (row_id,)
        ).fetchone()
    if done is None:
        abort(409)
    return jsonify({"instance": {"id": row_id, "status": "completed"}})
