"""bot/ogg.py: OGG/Opus is recognised, its duration read, anything else refused."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bot import ogg


def page(body: bytes, *, flags: int, granule: int, serial: int = 7, seq: int = 0) -> bytes:
    """One Ogg page holding one packet (segments of 255 bytes and a shorter last one)."""
    lacing = bytes([255] * (len(body) // 255) + [len(body) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    return header + lacing + body


def opus_head(pre_skip: int = 312, channels: int = 1) -> bytes:
    return b"OpusHead" + struct.pack("<BBHIhB", 1, channels, pre_skip, 22050, 0, 0)


def stream(seconds: float, *, pre_skip: int = 312) -> bytes:
    samples = int(seconds * 48_000) + pre_skip
    return b"".join(
        [
            page(opus_head(pre_skip), flags=0x02, granule=0),
            page(b"OpusTags" + bytes(8), flags=0, granule=0, seq=1),
            page(bytes(40), flags=0, granule=samples // 2, seq=2),
            page(bytes(40), flags=0x04, granule=samples, seq=3),
        ]
    )


def test_a_stream_is_read_with_its_duration() -> None:
    info = ogg.read(stream(2.5))
    assert (info.channels, info.input_rate, info.pre_skip, info.pages) == (1, 22050, 312, 4)
    assert info.seconds == pytest.approx(2.5, abs=0.001)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "no OpusHead"),
        (b"ID3\x04 an mp3 file" + bytes(40), "not an Ogg page"),
        (stream(1)[:-10], "truncated page body"),
        (stream(1)[:20], "truncated page header"),
        (page(b"\x01vorbis" + bytes(30), flags=0x02, granule=0), "no OpusHead"),
        (stream(1).replace(b"OpusHead", b"OpusHexd"), "no OpusHead"),
        (stream(1)[: -(27 + 1 + 40)], "does not end"),  # the last page is missing
        (page(opus_head(), flags=0x06, granule=0), "no audio pages"),
        (page(opus_head(), flags=0x00, granule=0), "does not begin"),
        (stream(1) + page(bytes(4), flags=0x04, granule=9, serial=8), "more than one"),
    ],
)
def test_anything_else_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(ogg.NotOggOpus, match=why):
        ogg.read(data)


@pytest.mark.skipif(shutil.which("opusenc") is None, reason="opus-tools is installed by make")
def test_what_opusenc_writes_is_read_with_the_duration_opusinfo_reports(tmp_path: Path) -> None:
    """Two seconds of silence at 16 kHz, encoded by opusenc: our reader agrees with opusinfo."""
    samples = 32_000
    wav = (
        b"RIFF"
        + struct.pack("<I", 36 + samples * 2)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 16_000, 32_000, 2, 16)
        + b"data"
        + struct.pack("<I", samples * 2)
        + bytes(samples * 2)
    )
    (tmp_path / "in.wav").write_bytes(wav)
    subprocess.run(
        ["opusenc", "--quiet", str(tmp_path / "in.wav"), str(tmp_path / "out.ogg")], check=True
    )
    data = (tmp_path / "out.ogg").read_bytes()
    info = ogg.read(data)
    assert info.seconds == pytest.approx(2.0, abs=0.01)
    assert info.input_rate == 16_000
    if shutil.which("opusinfo"):
        report = subprocess.run(
            ["opusinfo", str(tmp_path / "out.ogg")], check=True, capture_output=True, text=True
        ).stdout
        assert "Playback length: 0m:02" in report
