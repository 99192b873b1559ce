"""The LibreTranslate engine: a LibreTranslate server that the municipality runs itself.

Only the configured base URL is ever asked (no redirects are followed, no proxy is taken from
the environment), with a time-out on every request. What is sent: the text of one message, its
source and target language and the API key; nothing about the client.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from casework.translation import Capabilities, Pair, Problem, Translated, TranslationFailed

log = logging.getLogger(__name__)


class LibreTranslate:
    """Engine (casework/translation.py) on LibreTranslate's /languages, /translate and /detect."""

    name = "LibreTranslate"

    def __init__(self, base_url: str, *, api_key: str | None, timeout_seconds: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the LibreTranslate URL must look like https://host[:port][/path]")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.api_key = api_key
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, trust_env=False)
        return self._session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if body is not None and self.api_key:
            body = {**body, "api_key": self.api_key}
        try:
            async with self._client().request(
                method, self.base_url + path, json=body, allow_redirects=False
            ) as response:
                if response.status == 200:
                    return await response.json(content_type=None)
                log.warning("LibreTranslate answered %d", response.status, extra={"path": path})
                raise TranslationFailed(problem_of(response.status))
        except TimeoutError as exc:
            raise TranslationFailed(Problem.TIMEOUT) from exc
        except (aiohttp.ClientError, ValueError) as exc:
            log.warning("LibreTranslate not reached", extra={"error": type(exc).__name__})
            raise TranslationFailed(Problem.UNAVAILABLE) from exc

    async def capabilities(self) -> Capabilities:
        """The pairs from /languages: every language with the targets it lists."""
        answer = await self._call("GET", "/languages")
        pairs: set[Pair] = set()
        if not isinstance(answer, list):
            raise TranslationFailed(Problem.UNAVAILABLE)
        for language in answer:
            if not isinstance(language, dict) or not isinstance(language.get("code"), str):
                continue
            targets = language.get("targets")
            if not isinstance(targets, list):
                continue
            pairs.update(
                Pair(language["code"], target)
                for target in targets
                if isinstance(target, str) and target != language["code"]
            )
        return Capabilities(frozenset(pairs))

    async def translate(self, text: str, pair: Pair) -> Translated:
        answer = await self._call(
            "POST",
            "/translate",
            {"q": text, "source": pair.source, "target": pair.target, "format": "text"},
        )
        words = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(words, str) or not words.strip():
            raise TranslationFailed(Problem.UNAVAILABLE)
        return Translated(words, model=f"{self.host} {pair.source}-{pair.target}")

    async def detect(self, text: str) -> tuple[str, float] | None:
        """The server's most confident language for a text and its confidence (0-100)."""
        answer = await self._call("POST", "/detect", {"q": text})
        if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
            return None
        best = max(
            (item for item in answer if isinstance(item, dict)),
            key=lambda item: float(item.get("confidence") or 0),
        )
        language = best.get("language")
        if not isinstance(language, str):
            return None
        return language, float(best.get("confidence") or 0)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            # aiohttp closes the connector's transports on the next loop iteration.
            await asyncio.sleep(0)


def problem_of(status: int) -> Problem:
    if status == 429:
        return Problem.BUSY
    if status in (400, 413, 422):
        return Problem.REFUSED
    return Problem.UNAVAILABLE
