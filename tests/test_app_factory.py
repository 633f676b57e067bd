"""The app factory's Flask: a view or hook is asked once whether it is a coroutine function."""

from __future__ import annotations

import pytest

from app import BatonFlask


def test_plain_functions_are_remembered_and_coroutine_functions_still_go_to_flask(monkeypatch):
    app = BatonFlask(__name__)

    def view():
        return "ok"

    async def later():
        return "ok"

    assert app.ensure_sync(view) is view and view in app._plain
    asked = []
    monkeypatch.setattr("flask.app.iscoroutinefunction", lambda f: asked.append(f) or False)
    assert app.ensure_sync(view) is view and asked == []  # not asked again
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="async"):  # Flask's own answer: asgiref is not installed
        app.ensure_sync(later)
    assert later not in app._plain
