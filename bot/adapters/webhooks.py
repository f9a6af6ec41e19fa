"""Outgoing webhooks over HTTP (httpx2): one POST per attempt, no retries here (the
WebhookService retries with backoff, across replicas)."""

from collections.abc import Mapping

import httpx2

from bot.errors import WebhookUnreachable


class HttpWebhookSender:
    """WebhookSender on one pooled client; redirects are not followed (a signed body is
    for the address configured)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._client = httpx2.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, headers: Mapping[str, str], body: bytes) -> int:
        try:
            response = self._client.post(url, content=body, headers=dict(headers))
        except httpx2.TimeoutException:
            raise WebhookUnreachable("no answer in time") from None
        except httpx2.HTTPError as error:
            raise WebhookUnreachable(f"could not connect: {type(error).__name__}") from None
        return response.status_code

    def close(self) -> None:
        self._client.close()
