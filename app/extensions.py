"""Extensions are created unbound here and bound to an app in `create_app`."""

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Stable constraint names so Alembic migrations are identical on PostgreSQL and SQLite.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects stay loaded after commit: a request builds its response from what it just wrote,
# without a second round trip per row.
db = SQLAlchemy(
    metadata=MetaData(naming_convention=naming_convention), session_options={"expire_on_commit": False}
)
migrate = Migrate(render_as_batch=True, compare_type=True)

# Models subclass `Model`: db.Model at run time. A type checker cannot follow an attribute as a base
# class, so it is shown a plain declarative base with the same mapped columns.
if TYPE_CHECKING:
    from sqlalchemy.orm import DeclarativeBase

    class Model(DeclarativeBase):
        pass
else:
    Model = db.Model
