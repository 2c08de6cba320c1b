"""OpenDocument styles, shared by the text (.odt) and spreadsheet (.ods) readers.

The namespaces, the elements that are not body text, and font and upper-case
resolution through style parents and default styles. Common styles are in
styles.xml and automatic ones in content.xml before the body, so a reader
parses styles.xml first (`_odf_styles`) and feeds content.xml's own styles to
the same `_OdfStyles`; fonts matter because a legacy font name (.VnTime,
VNI-Times) is the strongest sign that text needs converting.
"""

from __future__ import annotations

import re

from mailbot.inspect.extract.package import _MAX_SMALL_PART, _attr, _Package, _split

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_ODF_SKIP = {
    (_ODF_TEXT, "tracked-changes"), (_ODF_TEXT, "note"), (_ODF_OFFICE, "annotation"),
    (_ODF_OFFICE, "annotation-end"), (_ODF_TEXT, "sequence-decls"), (_ODF_OFFICE, "forms"),
    (_ODF_OFFICE, "scripts"), (_ODF_OFFICE, "event-listeners"), (_ODF_TEXT, "variable-decls"),
    (_ODF_TEXT, "user-field-decls"), (_ODF_TABLE, "shapes"),
    ("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "title"),
    ("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "desc"),
}
_WS = re.compile(r"[ \t\r\n]+")


class _OdfBody:
    """What both ODF readers do with an opening tag before looking at it: skip what is not
    content (notes, tracked changes, forms…), and hand everything before office:body to the
    styles. Subclasses set `skip`, `in_body` and `styles`."""

    skip: int
    in_body: bool
    styles: "_OdfStyles"

    def _enter(self, name, attrs) -> tuple[str, str] | None:
        """(uri, local) of a content element, or None when the reader must not look at it."""
        if self.skip:
            self.skip += 1
            return None
        uri, local = _split(name)
        if (uri, local) in _ODF_SKIP:
            self.skip = 1
            return None
        if not self.in_body:
            if uri == _ODF_OFFICE and local == "body":
                self.in_body = True
            else:
                self.styles.start(name, attrs)
            return None
        return uri, local


class _OdfStyles:
    """Font faces and (automatic or common) styles: font name, upper-case, parent."""

    def __init__(self):
        self.faces: dict[str, str] = {}
        self.styles: dict[tuple[str, str], dict] = {}
        self.defaults: dict[str, dict] = {}
        self._cur: dict | None = None
        self._depth = 0

    def start(self, name, attrs):
        uri, local = _split(name)
        self._depth += 1
        if uri != _ODF_STYLE:
            return
        if local == "font-face":
            family = _attr(attrs, "font-family") or _attr(attrs, "name") or ""
            self.faces[_attr(attrs, "name") or ""] = family.strip("'\" ")
        elif local in ("style", "default-style"):
            family = _attr(attrs, "family") or ""
            self._cur = {"parent": _attr(attrs, "parent-style-name"), "font": None,
                         "caps": None, "family": family}
            if local == "style":
                self.styles[(family, _attr(attrs, "name") or "")] = self._cur
            else:
                self.defaults[family] = self._cur
        elif local == "text-properties" and self._cur is not None:
            font = _attr(attrs, "font-name")
            if font is not None:
                self._cur["font"] = self.faces.get(font, font)
            elif (family := _attr(attrs, "font-family")) is not None:
                self._cur["font"] = family.strip("'\" ")
            transform = _attr(attrs, "text-transform")
            if transform is not None:
                self._cur["caps"] = transform == "uppercase"

    def end(self, name):
        self._depth -= 1
        uri, local = _split(name)
        if uri == _ODF_STYLE and local in ("style", "default-style"):
            self._cur = None

    def resolve(self, family: str, name: str | None, use_default: bool) -> tuple[str | None, bool | None]:
        font = caps = None
        seen = set()
        while name and (family, name) in self.styles and name not in seen and len(seen) < 20:
            seen.add(name)
            st = self.styles[(family, name)]
            font = font if font is not None else st["font"]
            caps = caps if caps is not None else st["caps"]
            name = st["parent"]
        if use_default and family in self.defaults:
            st = self.defaults[family]
            font = font if font is not None else st["font"]
            caps = caps if caps is not None else st["caps"]
        return font, caps


def _odf_styles(pkg: _Package) -> _OdfStyles:
    styles = _OdfStyles()
    pkg.parse("styles.xml", styles, _MAX_SMALL_PART * 4)
    return styles
