"""A small reader of OGG/Opus files: is it Opus in an Ogg stream, and how long does it play?

Telegram plays a voice message only when it is Opus in an Ogg container (RFC 7845). Recordings
from a municipality and files made by opusenc are checked here before they are sent; the
duration goes with sendVoice. Only the page headers and the OpusHead packet are read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_PAGE = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, segments
OPUS_RATE = 48_000  # Opus granule positions count 48 kHz samples, whatever the input rate


class NotOggOpus(ValueError):
    """The bytes are not a complete OGG/Opus stream."""


@dataclass(frozen=True)
class OpusInfo:
    channels: int
    input_rate: int
    pre_skip: int
    pages: int
    samples: int  # the last page's granule position minus the pre-skip

    @property
    def seconds(self) -> float:
        return self.samples / OPUS_RATE


def read(data: bytes) -> OpusInfo:
    """The stream's Opus header and duration; NotOggOpus when anything is off."""
    offset = 0
    pages = 0
    granule = -1
    head: bytes | None = None
    serial: int | None = None
    last_page_flags = 0
    while offset < len(data):
        if len(data) - offset < _PAGE.size:
            raise NotOggOpus("truncated page header")
        capture, version, flags, position, page_serial, _seq, _crc, count = _PAGE.unpack_from(
            data, offset
        )
        if capture != b"OggS" or version != 0:
            raise NotOggOpus("not an Ogg page")
        lacing = data[offset + _PAGE.size : offset + _PAGE.size + count]
        if len(lacing) != count:
            raise NotOggOpus("truncated segment table")
        body_start = offset + _PAGE.size + count
        body_end = body_start + sum(lacing)
        if body_end > len(data):
            raise NotOggOpus("truncated page body")
        if serial is None:
            serial = page_serial
            if not flags & 0x02:
                raise NotOggOpus("the first page does not begin the stream")
            head = data[body_start:body_end]
        elif page_serial != serial:
            raise NotOggOpus("more than one logical stream")
        if position != -1:
            granule = position
        last_page_flags = flags
        pages += 1
        offset = body_end
    if head is None or len(head) < 19 or not head.startswith(b"OpusHead"):
        raise NotOggOpus("no OpusHead packet")
    version, channels, pre_skip, input_rate = struct.unpack_from("<BBHI", head, 8)
    if version >> 4 != 0 or channels == 0:
        raise NotOggOpus("unsupported OpusHead")
    if not last_page_flags & 0x04:
        raise NotOggOpus("the stream does not end")
    if pages < 3 or granule < pre_skip:
        raise NotOggOpus("no audio pages")
    return OpusInfo(channels, input_rate, pre_skip, pages, granule - pre_skip)
