"""Storage of file contents by file_id and by download path."""

from __future__ import annotations

import hashlib
import mimetypes

from .errors import bad_request
from .models import StoredFile
from .params import UploadedFile

# Prefixes resemble real file_ids of each kind, which helps when eyeballing logs.
FILE_ID_PREFIX = {
    "document": "BQAC",
    "photo": "AgAC",
    "voice": "AwAC",
    "audio": "CQAC",
    "video": "BAAC",
    "animation": "CgAC",
    "sticker": "CAAC",
    "video_note": "DQAC",
}
FOLDER = {"photo": "photos", "voice": "voice", "sticker": "stickers", "video_note": "video_notes"}
DEFAULT_EXTENSION = {"photo": ".jpg", "voice": ".oga", "sticker": ".webp", "video_note": ".mp4"}


class FileStore:
    """Keeps every file's bytes so tests and the bot can read them back."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def add(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        source_url: str | None = None,
    ) -> StoredFile:
        """Store new file contents and return their record."""
        number = len(self._by_id) + 1
        digest = hashlib.blake2b(data + str(number).encode(), digest_size=8).hexdigest()
        extension = _extension(kind, file_name, mime_type)
        stored = StoredFile(
            file_id=f"{FILE_ID_PREFIX.get(kind, 'BQAC')}{number:06d}{digest}",
            file_unique_id=f"AQAD{digest[:12]}",
            kind=kind,
            data=data,
            file_path=f"{FOLDER.get(kind, kind + 's')}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type or _guess_mime_type(file_name),
            source_url=source_url,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Return the file with this file_id, if known."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """Return the file served under this download path, if known."""
        return self._by_path.get(file_path)

    def resolve(self, value: UploadedFile | str | None, kind: str, missing: str) -> StoredFile:
        """Return the file a send* parameter refers to: an upload, a file_id or a URL."""
        if isinstance(value, UploadedFile):
            mime_type = (
                None if value.content_type == "application/octet-stream" else value.content_type
            )
            return self.add(kind, value.data, value.filename, mime_type)
        if not value:
            raise bad_request(missing)
        known = self._by_id.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            # The emulator cannot fetch URLs; remember the URL so tests can assert on it.
            return self.add(kind, b"", value.rsplit("/", 1)[-1] or None, source_url=value)
        raise bad_request("wrong file identifier/HTTP URL specified")


def _guess_mime_type(file_name: str | None) -> str | None:
    """Guess a MIME type from a file name."""
    return mimetypes.guess_type(file_name)[0] if file_name else None


def _extension(kind: str, file_name: str | None, mime_type: str | None) -> str:
    """Return the file extension used in the download path."""
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[-1]
    guessed = mimetypes.guess_extension(mime_type) if mime_type else None
    return guessed or DEFAULT_EXTENSION.get(kind, "")


def media_object(kind: str, stored: StoredFile, **extra: object) -> object:
    """Return the Bot API object (Document, PhotoSize list, Voice, ...) for a stored file."""
    base: dict[str, object] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if kind == "photo":
        return [{**base, "width": 1280, "height": 960}]
    if kind in ("document", "audio", "video", "animation") and stored.file_name:
        base["file_name"] = stored.file_name
    mime_type = stored.mime_type or ("audio/ogg" if kind == "voice" else None)
    if kind in ("document", "audio", "video", "animation", "voice") and mime_type:
        base["mime_type"] = mime_type
    if kind in ("voice", "audio", "video", "animation", "video_note"):
        base["duration"] = extra.pop("duration", None) or 1
    if kind in ("video", "animation"):
        base.update(width=extra.pop("width", None) or 1280, height=extra.pop("height", None) or 720)
    if kind == "video_note":
        base["length"] = extra.pop("length", None) or 240
    if kind == "sticker":
        base.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
    base.update({key: value for key, value in extra.items() if value is not None})
    return base
