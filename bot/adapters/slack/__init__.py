"""Slack adapters: the Web API client, Block Kit builders and the incident channel."""
