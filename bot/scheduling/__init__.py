"""Scheduled work: what is due is decided from the database; an outbox sends each notice once."""
