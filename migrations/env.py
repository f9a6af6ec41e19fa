"""Alembic environment: runs on the connection `bot.adapters.db.engine.migrate` hands over."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.adapters.db.search import modelled

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `python app.py migrate`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=modelled,
)
with context.begin_transaction():
    context.run_migrations()
