"""Web API methods: one function each, registered by name in `METHODS`.

`registry` holds the registry and what several methods share. Each of the other modules is one
Slack family and registers its methods when imported: `users` (auth, users, apps),
`conversations`, `chat`, `pins`, `views`, `files` (files and canvases).
"""

from . import chat, conversations, files, pins, users, views
from .registry import METHODS

__all__ = ["METHODS", "chat", "conversations", "files", "pins", "users", "views"]
