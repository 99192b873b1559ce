"""The CTranslate2 engine with a tiny model built here: real loading and translating, nonsense out.

The model is a one-layer Transformer with random weights (CTranslate2 writes it from numpy
arrays), its vocabulary that of a SentencePiece model trained here on a few Dutch lines.
"""

from __future__ import annotations

import hashlib
import io
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import ctranslate2
import numpy as np
import pytest
import sentencepiece
from ctranslate2 import specs

from casework.ct2 import CTranslate2, pairs_in
from casework.translation import Pair, Problem, TranslationFailed

LINES = [
    "hallo wereld",
    "goedemorgen allemaal",
    "waar is het gemeentehuis",
    "ik heb een vraag over mijn afspraak",
    "de taalschool begint maandag",
] * 4
D_MODEL, FFN = 8, 16


def _shape(name: str, vocabulary: int) -> tuple[int, ...]:
    if re.search(r"(embeddings(_0)?|projection)/weight$", name):
        return (vocabulary, D_MODEL)
    if name.endswith(("gamma", "beta")):
        return (D_MODEL,)
    if "ffn/linear_0" in name:
        return (FFN, D_MODEL)
    if "ffn/linear_1" in name:
        return (D_MODEL, FFN)
    if "self_attention/linear_0" in name:
        return (3 * D_MODEL, D_MODEL)  # query, key and value in one
    if "/attention/linear_1" in name:
        return (2 * D_MODEL, D_MODEL)  # key and value of the encoder output
    return (D_MODEL, D_MODEL)


def build_model(folder: Path) -> None:
    """A CTranslate2 model folder with source.spm and target.spm, as the operator supplies."""
    trained = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(LINES),
        model_writer=trained,
        vocab_size=40,
        model_type="unigram",
        hard_vocab_limit=False,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=0,
        minloglevel=2,
    )
    pieces = sentencepiece.SentencePieceProcessor(model_proto=trained.getvalue())
    vocabulary = ["<blank>", "<s>", "</s>"]
    vocabulary += [pieces.id_to_piece(i) for i in range(pieces.get_piece_size())]
    spec = specs.TransformerSpec.from_config(num_layers=1, num_heads=2)
    random = np.random.default_rng(7)
    for name, value in spec.variables(ordered=True):
        if value is not None:
            continue
        *path, attribute = name.split("/")
        node = spec
        for part in path:
            indexed = re.fullmatch(r"(\w+?)_(\d+)", part)
            if indexed and not hasattr(node, part):
                node = getattr(node, indexed[1])[int(indexed[2])]
            else:
                node = getattr(node, part)
        shape = _shape(name, len(vocabulary))
        setattr(node, attribute, random.standard_normal(shape).astype(np.float32))
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize()
    folder.mkdir(parents=True)
    spec.save(str(folder))
    (folder / "source.spm").write_bytes(trained.getvalue())
    (folder / "target.spm").write_bytes(trained.getvalue())


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_model(root / "nl-ar")
    (root / "ar-nl").mkdir()  # incomplete: no model in it
    (root / "ar-nl" / "source.spm").write_bytes(b"")
    (root / "README.txt").write_text("model folders, one per pair")
    (root / "Not-A-Pair").mkdir()
    return root


@pytest.fixture
async def engine(models: Path) -> AsyncIterator[CTranslate2]:
    engine = CTranslate2(models, threads=1, timeout_seconds=60)
    try:
        yield engine
    finally:
        await engine.close()


def test_the_model_folders_give_the_pairs(models: Path) -> None:
    assert pairs_in(models) == {Pair("nl", "ar"): models / "nl-ar"}
    assert pairs_in(models / "missing") == {}


def test_the_tiny_model_loads_and_translates_in_this_process(models: Path) -> None:
    translator = ctranslate2.Translator(str(models / "nl-ar"), device="cpu")
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(models / "nl-ar/source.spm"))
    [result] = translator.translate_batch([pieces.encode("hallo wereld", out_type=str)])
    assert result.hypotheses[0]  # nonsense, but tokens of the vocabulary


async def test_the_worker_process_translates_with_the_real_code(
    engine: CTranslate2, models: Path
) -> None:
    capabilities = await engine.capabilities()
    assert capabilities.has("nl", "ar") and not capabilities.has("ar", "nl")
    result = await engine.translate("hallo wereld\n\nwaar is het gemeentehuis", Pair("nl", "ar"))
    first, empty, second = result.text.split("\n")  # paragraphs stay paragraphs
    assert first.strip() and empty == "" and second.strip()
    digest = hashlib.sha256((models / "nl-ar" / "model.bin").read_bytes()).hexdigest()
    assert result.model == f"nl-ar@{digest[:12]}"
    assert await engine.detect("hallo") is None  # model folders have no language detection
    with pytest.raises(TranslationFailed) as failure:
        await engine.translate("hallo", Pair("ar", "nl"))  # no such folder
    assert failure.value.problem == Problem.REFUSED

    # The worker refuses the network: no text leaves the machine from there.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        pool = engine._executor()
        with pytest.raises(PermissionError):
            pool.submit(connect, port).result(timeout=60)


def connect(port: int) -> None:
    """Run in the worker process."""
    socket.create_connection(("127.0.0.1", port), timeout=5).close()


async def test_a_broken_model_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "nl-so"
    folder.mkdir()
    for name in ("model.bin", "source.spm", "target.spm"):
        (folder / name).write_bytes(b"not a model")
    engine = CTranslate2(tmp_path, threads=1, timeout_seconds=60)
    try:
        assert (await engine.capabilities()).has("nl", "so")
        with pytest.raises(TranslationFailed) as failure:
            await engine.translate("hallo", Pair("nl", "so"))
    finally:
        await engine.close()
    assert failure.value.problem == Problem.UNAVAILABLE


async def test_a_translation_past_its_time_out_stops_the_worker(models: Path) -> None:
    # Starting a worker (a new interpreter that imports CTranslate2) alone takes far longer.
    engine = CTranslate2(models, threads=1, timeout_seconds=0.01)
    try:
        await engine.capabilities()
        with pytest.raises(TranslationFailed) as failure:
            await engine.translate("hallo wereld", Pair("nl", "ar"))
        assert failure.value.problem == Problem.TIMEOUT
        assert engine._pool is None  # the next text gets a fresh worker
    finally:
        await engine.close()
