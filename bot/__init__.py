"""Sitrep's core: the incident lifecycle, the use cases and the policy. No Slack, no SQL."""
