"""The sandbox: Sitrep against a local Slack-compatible workspace, played in the browser.

`slack` is the fake Slack Web API (also the test suite's); `web` the page; `delivery` the signed
requests to the bot; `state` the workspace on disk; `run` the start-up."""
