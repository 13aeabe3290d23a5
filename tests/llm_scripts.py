"""Scripting an OpenAI-compatible endpoint at the HTTP level with respx, so the real ChatOpenAI code runs."""

from __future__ import annotations

import json
from typing import Any

import httpx

BASE_URL = "http://llm.test/v1"


def completion(
    *,
    content: str | None = None,
    tool_calls: list[tuple[str, dict[str, Any] | str]] | None = None,
    usage: tuple[int, int] = (1000, 100),
) -> httpx.Response:
    """One chat completion: text, or tool calls given as (name, arguments)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
            for i, (name, args) in enumerate(tool_calls)
        ]
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "tool_calls" if tool_calls else "stop", "message": message}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
        },
    )


def rate_limited(retry_after: str = "0") -> httpx.Response:
    """A 429 with a Retry-After header."""
    return httpx.Response(
        429, headers={"retry-after": retry_after}, json={"error": {"message": "slow down", "type": "rate_limit"}}
    )


def sent_messages(route: Any, index: int) -> list[dict[str, Any]]:
    """The messages of the index-th request a route received."""
    return json.loads(route.calls[index].request.content)["messages"]
