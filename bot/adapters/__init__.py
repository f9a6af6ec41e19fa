"""Driven side: Slack, persistence and (later) Anthropic adapters."""
