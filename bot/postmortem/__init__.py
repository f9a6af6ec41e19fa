"""Post-mortems: facts computed from the record, a narrative by Claude or none, one canvas."""
