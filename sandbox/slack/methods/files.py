"""Web API methods: files (the two-step external upload)."""

from __future__ import annotations

import secrets

from ..decoding import Args, SlackError, invalid_arguments
from ..identities import BOT_USER_ID, JSON
from ..records import UploadedFile
from ..workspace import Workspace
from .registry import api, check_message_content


@api("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, args: Args) -> JSON:
    filename = args.required("filename")
    length = args.number("length", 0)
    if length <= 0:
        raise SlackError("missing_argument")
    alt_txt = args.text("alt_txt")
    if alt_txt is not None and len(alt_txt) > 1000:
        raise SlackError("alt_txt_too_large")
    upload = UploadedFile(
        ws.new_id("F"),
        filename,
        length,
        BOT_USER_ID,
        ws.now(),
        alt_txt=alt_txt,
        snippet_type=args.text("snippet_type"),
    )
    ticket = secrets.token_urlsafe(24)
    ws.files[upload.id] = upload
    ws.upload_tickets[ticket] = upload.id
    return {"upload_url": f"{ws.base_url}/upload/v1/{ticket}", "file_id": upload.id}


@api("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, args: Args) -> JSON:
    entries = args.get("files")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("missing required field: files")
    uploads = []
    for entry in entries:
        upload = ws.files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
        if upload is None or upload.data is None or upload.completed:
            raise SlackError("file_not_found")
        uploads.append((upload, entry))
    targets = [args.text("channel_id")] if args.has("channel_id") else []
    targets += [c for c in (args.text("channels") or "").split(",") if c]
    channels = [ws.joined_channel(target) for target in targets]
    _, blocks = check_message_content(args, require_content=False)
    for upload, entry in uploads:
        upload.completed = True
        upload.processed = not ws.slow_file_processing
        upload.title = str(entry.get("title") or upload.name)
    shared = [upload.to_slack() for upload, _ in uploads]
    for channel in channels:
        ws.post_as_bot(
            channel.id,
            args.text("initial_comment") or "",
            blocks,
            thread_ts=args.text("thread_ts"),
            files=shared,
        )
        for upload, _ in uploads:
            upload.channels.append(channel.id)
    return {"files": shared}
