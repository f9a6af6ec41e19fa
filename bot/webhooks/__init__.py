"""Outgoing webhooks: incident events sent, signed, to the endpoints the policy names."""
