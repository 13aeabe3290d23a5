"""The one place ChatOpenAI is built: our own httpx clients, timeouts, no client-side retries, a rate limiter."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain_core.outputs import ChatResult
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_openai import ChatOpenAI

from account_intel.errors import DomainError
from account_intel.settings import Settings


class ToolArgumentsGuard(ChatOpenAI):
    """ChatOpenAI that turns tool-call arguments which are JSON but not an object into invalid tool calls.

    langchain-openai would raise while building the message; as an invalid tool call the agent answers it with an
    error the model can correct.
    """

    def _create_chat_result(self, response: Any, generation_info: dict[str, Any] | None = None) -> ChatResult:
        data = response if isinstance(response, dict) else response.model_dump()
        for choice in data.get("choices") or []:
            for call in (choice.get("message") or {}).get("tool_calls") or []:
                function = call.get("function") or {}
                try:
                    parsed = json.loads(function.get("arguments") or "{}")
                except (TypeError, ValueError):
                    continue
                if not isinstance(parsed, dict):
                    function["arguments"] = f"(arguments must be a JSON object) {function['arguments']}"
        return super()._create_chat_result(data, generation_info)


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
        return ToolArgumentsGuard(
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
