"""Alerts in: monitoring notifications that declare incidents or join open ones."""
