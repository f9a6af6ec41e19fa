"""SQLModel persistence on SQLite and PostgreSQL."""
