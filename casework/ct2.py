"""The CTranslate2 engine: model folders the operator supplies, run in a worker process.

INBURGERBOT_CTRANSLATE2_MODELS names a folder with one folder per language pair, named with
the engine codes of casework/translation.py (`ar-nl`, `nl-ar`, `prs-nl` ...), each holding a
CTranslate2 model (`model.bin` with its vocabulary and config, as `ct2-opus-mt-converter` or
`ct2-transformers-converter` write it) and the SentencePiece models `source.spm` and
`target.spm`. The models run in one worker process, so a long translation never blocks the
bot's event loop; that process refuses every network connection (an audit hook), so no text
leaves the machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from casework.translation import Capabilities, Pair, Problem, Translated, TranslationFailed

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "source.spm", "target.spm")
PAIR_FOLDER = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")
MAX_DECODING_LENGTH = 512
NETWORK_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.bind"})


def pairs_in(models: Path) -> dict[Pair, Path]:
    """The complete pair folders under `models` (a folder missing a file is left out)."""
    found: dict[Pair, Path] = {}
    if not models.is_dir():
        return found
    for folder in sorted(models.iterdir()):
        match = PAIR_FOLDER.fullmatch(folder.name)
        if match is None or not folder.is_dir():
            continue
        if all((folder / name).is_file() for name in MODEL_FILES):
            found[Pair(match[1], match[2])] = folder
        else:
            log.warning("model folder lacks a file", extra={"pair": folder.name})
    return found


class CTranslate2:
    """Engine (casework/translation.py) on local CTranslate2 models in a worker process."""

    name = "CTranslate2"

    def __init__(self, models: Path, *, threads: int, timeout_seconds: float) -> None:
        self.models = models
        self.threads = threads
        self.timeout_seconds = timeout_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._folders: dict[Pair, Path] = {}

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # spawn: a fresh interpreter, not a fork of the bot with its loop and sockets.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(self.threads,),
            )
        return self._pool

    async def capabilities(self) -> Capabilities:
        self._folders = await asyncio.to_thread(pairs_in, self.models)
        return Capabilities(frozenset(self._folders))

    async def translate(self, text: str, pair: Pair) -> Translated:
        folder = self._folders.get(pair)
        if folder is None:
            raise TranslationFailed(Problem.REFUSED)
        loop = asyncio.get_running_loop()
        try:
            words, version = await asyncio.wait_for(
                loop.run_in_executor(self._executor(), translate_in_worker, str(folder), text),
                timeout=self.timeout_seconds,
            )
        except TimeoutError as exc:
            self._restart()  # the worker is busy with the text: start a fresh one
            raise TranslationFailed(Problem.TIMEOUT) from exc
        except BrokenProcessPool as exc:
            self._restart()
            raise TranslationFailed(Problem.UNAVAILABLE) from exc
        except Exception as exc:  # a broken or wrong model raises in the worker
            log.warning(
                "CTranslate2 failed", extra={"pair": folder.name, "error": type(exc).__name__}
            )
            raise TranslationFailed(Problem.UNAVAILABLE) from exc
        if not words.strip():
            raise TranslationFailed(Problem.UNAVAILABLE)
        return Translated(words, model=f"{folder.name}@{version}")

    async def detect(self, text: str) -> tuple[str, float] | None:
        return None  # model folders hold translation models only

    def _restart(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


# -- in the worker process ----------------------------------------------------------------------

_threads = 1
_loaded: dict[str, tuple[Any, Any, Any, str]] = {}  # folder: translator, spm in, spm out, version


def _no_network(event: str, _args: tuple[Any, ...]) -> None:
    if event in NETWORK_EVENTS:
        raise PermissionError("the translation worker does not use the network")


def start_worker(threads: int) -> None:
    """The worker's set-up: no network from here on, and how many threads a model may use."""
    global _threads
    _threads = threads
    sys.addaudithook(_no_network)


def _load(folder: str) -> tuple[Any, Any, Any, str]:
    if folder not in _loaded:
        import ctranslate2  # only the worker process loads the optional engine
        import sentencepiece

        path = Path(folder)
        digest = hashlib.sha256()
        with (path / "model.bin").open("rb") as model:
            for block in iter(lambda: model.read(1 << 20), b""):
                digest.update(block)
        _loaded[folder] = (
            ctranslate2.Translator(folder, device="cpu", inter_threads=1, intra_threads=_threads),
            sentencepiece.SentencePieceProcessor(model_file=str(path / "source.spm")),
            sentencepiece.SentencePieceProcessor(model_file=str(path / "target.spm")),
            digest.hexdigest()[:12],
        )
    return _loaded[folder]


def translate_in_worker(folder: str, text: str) -> tuple[str, str]:
    """(translation, model version) of one text, line by line (paragraphs stay paragraphs)."""
    translator, source, target, version = _load(folder)
    lines = text.split("\n")
    wanted = [line for line in lines if line.strip()]
    results = translator.translate_batch(
        [source.encode(line, out_type=str) for line in wanted],
        beam_size=2,
        max_decoding_length=MAX_DECODING_LENGTH,
    )
    done = iter(target.decode(result.hypotheses[0]) for result in results)
    return "\n".join(next(done) if line.strip() else line for line in lines), version
