"""A fake Slack Web API on loopback, strict enough that code passing against it works on Slack.

    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        client.conversations_join(channel="C_INCIDENTS")
        ...
        assert slack.messages("C_INCIDENTS")[-1].text == "Declared SEV2"

Responses, error codes and argument names follow Slack's reference (see
/work/shared/reference/payloads/webapi_examples.json). State lives behind one re-entrant lock; every
change notifies `wait_for`, so tests wait on conditions instead of sleeping.

Layout: identities and records (`identities`, `records`); Block Kit validation, one table
(`blockkit`); canvas markdown rules and sections (`canvas`); request decoding (`decoding`); the
workspace, state plus Slack's rules (`workspace`); one function per Web API method, one module per
Slack family (`methods`); the HTTP server and the test-facing `FakeSlack` (`server`, with what
tests read and arrange in `access` and what people do in `people`). Socket Mode is
`sandbox/socket_mode.py`. The sandbox serves it to a browser (`sandbox.web`); tests import it
from `tests.fakes.slack_api`, a re-export, so tests and sandbox run one implementation.
"""
