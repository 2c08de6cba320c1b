"""ZIP packages (OOXML, ODF) and their XML parts, read safely.

Every member is checked before it is opened (member count, declared size,
compression ratio, encryption) and the bytes actually inflated are counted,
because declared sizes can lie. XML is streamed through expat in chunks with
any DOCTYPE refused, so no entity expansion ("billion laughs") or external
entity is possible, as defusedxml's forbid_dtd does: OOXML and ODF never
carry one, so refusing costs nothing. Also the small name and attribute
helpers every XML reader uses.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable
from xml.parsers import expat

from mailbot.inspect.extract.output import _Refused

_MAX_ZIP_MEMBERS = 10_000
_MAX_XML_PART = 64 << 20             # inflated size of one XML part (declared and actual)
_MAX_SMALL_PART = 4 << 20            # rels, workbook.xml, styles
_MAX_RATIO = 120                     # inflated / compressed, for parts above _RATIO_FLOOR
_RATIO_FLOOR = 4 << 20
_CHUNK = 1 << 16


def _no_dtd(*_args) -> None:
    raise _Refused("XML with a DOCTYPE declaration refused (entity expansion risk)")


def _parser(start: Callable, end: Callable, chars: Callable | None = None):
    p = expat.ParserCreate(namespace_separator="}")
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_dtd
    p.UnparsedEntityDeclHandler = _no_dtd
    p.ExternalEntityRefHandler = lambda *a: _no_dtd()
    p.StartElementHandler = start
    p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    p.buffer_text = True
    p.buffer_size = _CHUNK
    p.ordered_attributes = False
    return p


def _split(name: str) -> tuple[str, str]:
    uri, _, local = name.rpartition("}")
    return uri, local


def _attr(attrs: dict[str, str], local: str) -> str | None:
    for key, value in attrs.items():
        if key == local or key.endswith("}" + local):
            return value
    return None


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Package:
    def __init__(self, data: bytes):
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        infos = self.zf.infolist()
        if len(infos) > _MAX_ZIP_MEMBERS:
            raise _Refused(f"package with more than {_MAX_ZIP_MEMBERS} members")
        self.members = {i.filename: i for i in infos}
        self.lower = {i.filename.lower().lstrip("/"): i for i in infos}

    def info(self, name: str) -> zipfile.ZipInfo | None:
        name = name.lstrip("/")
        return self.members.get(name) or self.lower.get(name.lower())

    def _check(self, info: zipfile.ZipInfo, cap: int) -> None:
        if info.flag_bits & 0x1:
            raise _Refused(f"{info.filename}: encrypted package member")
        if info.file_size > cap:
            raise _Refused(f"{info.filename}: declared unpacked size {info.file_size} bytes "
                           f"is over the limit ({cap}): possible zip bomb")
        if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise _Refused(f"{info.filename}: compression ratio over {_MAX_RATIO}: possible zip bomb")

    def chunks(self, name: str, cap: int):
        info = self.info(name)
        if info is None:
            return
        self._check(info, cap)
        total = 0
        with self.zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise _Refused(f"{info.filename}: unpacks to more than {cap} bytes")
                yield chunk

    def parse(self, name: str, handler, cap: int = _MAX_XML_PART) -> bool:
        """Stream one XML member through `handler` (start/end/chars); False if absent."""
        if self.info(name) is None:
            return False
        p = _parser(handler.start, handler.end, getattr(handler, "chars", None))
        for chunk in self.chunks(name, cap):
            p.Parse(chunk, False)
        p.Parse(b"", True)
        return True

    def rels(self, source: str) -> dict[str, tuple[str, str]]:
        """Relationships of a part: id → (type, resolved target path)."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        found: dict[str, tuple[str, str]] = {}

        class H:
            @staticmethod
            def start(name, attrs):
                if _split(name)[1] == "Relationship" and _attr(attrs, "TargetMode") != "External":
                    target = _attr(attrs, "Target") or ""
                    path = (target.lstrip("/") if target.startswith("/")
                            else posixpath.normpath(posixpath.join(folder, target)))
                    found[_attr(attrs, "Id") or ""] = (_attr(attrs, "Type") or "", path)

            @staticmethod
            def end(name):
                pass

        self.parse(rels_name, H, _MAX_SMALL_PART)
        return found

    def main_part(self, default: str) -> str:
        for kind, target in self.rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        return default


def _rel_target(rels: dict[str, tuple[str, str]], suffix: str) -> str | None:
    for kind, target in rels.values():
        if kind.endswith(suffix):
            return target
    return None
