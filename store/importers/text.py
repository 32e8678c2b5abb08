"""Turning files into document texts: decoding, refusing bad input, normalising.

The stored text is the normalised one (UTF-8, no BOM, "\\n" line ends) and all
offsets refer to it; the original file's sha256 is kept in the catalog.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.errors import InputError
from store.textmodel import lines

MAX_BYTES = 50 * 1024 * 1024  # a news article is KBs; 50 MB is surely a mistake

_BOMS = {
    b"\xef\xbb\xbf": "utf-8",
    b"\xff\xfe": "utf-16-le",
    b"\xfe\xff": "utf-16-be",
}


@dataclass
class Decoded:
    text: str
    encoding: str
    sha256: str
    notes: list[str] = field(default_factory=list)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(raw: bytes, name: str) -> Decoded:
    """Decode a text file's bytes or raise InputError saying why it is not text."""
    sha = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        raise InputError(
            f"{name}: {len(raw) / 1e6:.0f} MB is too large for an article "
            f"(limit {MAX_BYTES // 2**20} MB); split it into smaller files"
        )
    encoding = ""
    notes: list[str] = []
    for bom, enc in _BOMS.items():
        if raw.startswith(bom):
            encoding = enc
            raw = raw[len(bom) :]
            break
    if not raw.strip():
        raise InputError(f"{name}: the file is empty; give a file with article text")
    if encoding.startswith("utf-16"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(f"{name}: damaged {encoding} text; re-save it as UTF-8") from None
        notes.append(f"decoded as {encoding}")
    else:
        if b"\x00" in raw:
            raise InputError(
                f"{name}: contains NUL bytes, so it is binary, not text; give a .txt, .md, "
                ".html or .jsonl file"
            )
        try:
            text = raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text, encoding = _detect(raw, name)
            notes.append(f"not UTF-8: decoded as {encoding} (detected)")
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL characters; remove them and import again")
    controls = sum(
        1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"
    )
    if controls > max(8, len(text[:65536]) // 100):
        raise InputError(f"{name}: looks binary ({controls} control characters); give a text file")
    return Decoded(normalise_newlines(text), encoding, sha, notes)


def _detect(raw: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None or best.chaos > 0.2:
        raise InputError(
            f"{name}: not UTF-8 and no text encoding could be detected; re-save it as UTF-8"
        )
    return str(best), str(best.encoding)


def read_text_file(path: Path) -> dict[str, Any]:
    """A .txt or .md file as an import item (text, title, source, sha256, meta)."""
    dec = decode_bytes(_read(path), str(path))
    return {
        "text": dec.text,
        "title": _title_from(dec.text, path),
        "source": str(path),
        "sha256": dec.sha256,
        "meta": {"encoding": dec.encoding} if dec.encoding != "utf-8" else {},
        "notes": dec.notes,
    }


def read_html_file(path: Path) -> dict[str, Any]:
    """An HTML page as an import item: article body text and metadata via trafilatura."""
    import warnings

    import trafilatura

    dec = decode_bytes(_read(path), str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(dec.text, with_metadata=True)
    data: dict[str, Any] = {}
    if doc is not None:
        data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = normalise_newlines(str(data.get("text") or "")).strip()
    if not body:
        raise InputError(
            f"{path}: no article text found in this HTML page; save the article as .txt"
        )
    meta = {k: str(data[k]) for k in ("author", "date", "sitename", "url") if data.get(k)}
    return {
        "text": body,
        "title": str(data.get("title") or _title_from(body, path)),
        "source": str(path),
        "sha256": dec.sha256,
        "meta": meta,
        "notes": dec.notes,
    }


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{path}: {size / 1e6:.0f} MB is too large for an article "
                f"(limit {MAX_BYTES // 2**20} MB); split it into smaller files"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; import folders without a file name") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file readable") from None


def _title_from(text: str, path: Path) -> str:
    for line in lines(text):
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return path.stem
