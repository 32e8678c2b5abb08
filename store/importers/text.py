"""Turning files into document texts: decoding, refusing bad input, normalising.

The stored text is the normalised one (UTF-8, no BOM, "\\n" line ends) and all
offsets refer to it; the original file's sha256 is kept in the catalog.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from store.errors import InputError
from store.importers.checks import text_fault
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


#: Legacy encodings a news article plausibly comes in, searched when a file is not
#: UTF-8. Without this list charset-normalizer also weighs rare code pages (cp1006,
#: mac_iceland, hp_roman8) that tie with the right one on a short text.
LEGACY_ENCODINGS: Final = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_15", "koi8_r",
    "koi8_u", "shift_jis", "euc_jp", "iso2022_jp", "gb18030", "big5", "euc_kr", "tis_620",
)
#: What a tie goes to: Windows-1252 (a superset of latin-1's printable characters) is
#: by far the most common legacy encoding of Western European news, and the one the
#: WHATWG encoding standard reads "latin-1" as. Short texts in it ("señor") decode
#: equally cleanly as cp1250 or cp1257, so detection alone picks a wrong one.
WESTERN: Final = "cp1252"


def check_encoding(name: str) -> str:
    """The codec name ``--encoding`` gave, or InputError saying it is not one."""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        raise InputError(
            f"unknown encoding {name!r}; give a Python codec name such as utf-8, cp1252, "
            "latin-1 or cp1251"
        ) from None


def decode_bytes(raw: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode a text file's bytes or raise InputError saying why it is not text.

    ``encoding`` (from ``import --encoding``) is used instead of detection; a file
    that does not decode with it is refused, never decoded with replacement marks.
    """
    sha = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        raise InputError(
            f"{name}: {len(raw) / 1e6:.0f} MB is too large for an article "
            f"(limit {MAX_BYTES // 2**20} MB); split it into smaller files"
        )
    notes: list[str] = []
    bom_encoding = ""
    for bom, enc in _BOMS.items():
        if raw.startswith(bom):
            bom_encoding = enc
            raw = raw[len(bom) :]
            break
    if not raw.strip():
        raise InputError(f"{name}: the file is empty; give a file with article text")
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: not {encoding} text (byte {exc.start}); check --encoding"
            ) from None
        if encoding not in ("utf-8", "ascii"):
            notes.append(f"decoded as {encoding} (--encoding)")
    elif bom_encoding.startswith("utf-16"):
        encoding = bom_encoding
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(f"{name}: damaged {encoding} text; re-save it as UTF-8") from None
        notes.append(f"decoded as {encoding} (byte order mark)")
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
            notes.append(
                f"not UTF-8: decoded as {encoding} (detected; give --encoding if that is wrong)"
            )
    fault = text_fault(text)
    if fault is not None:
        raise InputError(f"{name}: {fault}")
    return Decoded(normalise_newlines(text), encoding, sha, notes)


def _detect(raw: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    results = from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS))
    best = results.best()
    if best is None or best.encoding is None or best.chaos > 0.2:
        raise InputError(
            f"{name}: not UTF-8 and no text encoding could be detected; re-save it as UTF-8 "
            "or give --encoding"
        )
    for match in results:
        tied = match.chaos <= best.chaos + 0.01 and match.coherence >= best.coherence - 0.01
        if tied and WESTERN in (match.encoding, *match.could_be_from_charset):
            try:
                return raw.decode(WESTERN), WESTERN
            except UnicodeDecodeError:
                break  # the five bytes cp1252 leaves undefined: keep the detected one
    return str(best), str(best.encoding)


def read_text_file(path: Path, encoding: str | None = None) -> dict[str, Any]:
    """A .txt or .md file as an import item (text, title, source, sha256, meta)."""
    dec = decode_bytes(_read(path), str(path), encoding)
    return {
        "text": dec.text,
        "title": _title_from(dec.text, path),
        "source": str(path),
        "sha256": dec.sha256,
        "meta": {"encoding": dec.encoding} if dec.encoding != "utf-8" else {},
        "notes": dec.notes,
    }


def read_html_file(path: Path, encoding: str | None = None) -> dict[str, Any]:
    """An HTML page as an import item: article body text and metadata via trafilatura."""
    import warnings

    import trafilatura

    dec = decode_bytes(_read(path), str(path), encoding)
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
