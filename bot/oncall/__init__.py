"""On-call: schedules, rotations, overrides, who is on call when, and calendar feeds."""
