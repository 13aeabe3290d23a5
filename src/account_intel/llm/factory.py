"""The one place ChatOpenAI is built: our own httpx clients, timeouts, no client-side retries, a rate limiter."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_openai import ChatOpenAI

from account_intel.errors import DomainError
from account_intel.settings import Settings


class LLMNotConfigured(DomainError):
    """The llm brain was asked for without an endpoint or key."""


@dataclass
class LLMFactory:
    """Builds chat models per model role; owns the httpx clients so tests (respx), proxies and the eval harness's
    record/replay transports see every call."""

    settings: Settings
    transport: httpx.BaseTransport | None = None
    async_transport: httpx.AsyncBaseTransport | None = None
    _clients: list[httpx.Client | httpx.AsyncClient] = field(default_factory=list)
    _limiter: InMemoryRateLimiter | None = None

    def chat_model(self, role: str) -> ChatOpenAI:
        """A ChatOpenAI for the model behind `role`; retries are ours (tenacity), so the client's are off."""
        s = self.settings
        if not s.llm_configured:
            raise LLMNotConfigured(
                "The llm brain needs OPENAI_API_KEY or OPENAI_BASE_URL; use --brain rules to run offline."
            )
        timeout = httpx.Timeout(s.llm_timeout_seconds, connect=min(10.0, s.llm_timeout_seconds))
        sync_client = httpx.Client(timeout=timeout, transport=self.transport)
        async_client = httpx.AsyncClient(timeout=timeout, transport=self.async_transport)
        self._clients += [sync_client, async_client]
        if s.llm_requests_per_second and self._limiter is None:
            self._limiter = InMemoryRateLimiter(requests_per_second=s.llm_requests_per_second, max_bucket_size=1)
        return ChatOpenAI(
            model=s.model_for(role),
            base_url=s.openai_base_url,
            api_key=s.openai_api_key.get_secret_value() if s.openai_api_key else "not-needed",
            timeout=s.llm_timeout_seconds,
            max_retries=0,
            temperature=0,
            stream_usage=True,
            rate_limiter=self._limiter,
            http_client=sync_client,
            http_async_client=async_client,
        )

    def close(self) -> None:
        """Close the sync clients this factory opened (async ones close with their event loop)."""
        for client in self._clients:
            if isinstance(client, httpx.Client):
                client.close()
        self._clients.clear()
