"""Excel 97-2003 .xls (BIFF8): the first visible sheet's first rows.

The Workbook stream's globals give fonts, XF records (a cell's font and
number format), number formats, sheet offsets and the shared-string table;
then the sheet's cell records are read until the rows needed are in. Shared
strings can be split over CONTINUE records, where a string restarts its flag
byte (8- or 16-bit), which `_Fragments` follows. BIFF5 (Excel 95) and
encrypted workbooks are refused.
"""

from __future__ import annotations

import struct

from mailbot.inspect import legacy
from mailbot.inspect.extract.ole import _ole, _stream
from mailbot.inspect.extract.output import _Out, _Refused
from mailbot.inspect.extract.sheets import SHEET_ROWS, _is_date_format, _number, _Rows


def _xls(data: bytes, out: _Out) -> None:
    ole = _ole(data)
    try:
        book = _stream(ole, "Workbook")
        if book is None:
            if ole.exists("Book"):
                raise _Refused("Excel 5.0/95 workbook (BIFF5): not read")
            raise _Refused("not an Excel workbook: no Workbook stream")
    finally:
        ole.close()
    _Biff8(book, out).read()


class _Biff8:
    """The first sheet's first rows of a BIFF8 workbook stream."""

    def __init__(self, book: bytes, out: _Out):
        self.book, self.out = book, out
        self.sst_fragments: list[bytes] = []
        self.fonts: list[str] = []
        self.xf: list[tuple[int, int]] = []      # (font index, format id)
        self.formats: dict[int, str] = {}
        self.sheets: list[tuple[int, bool]] = []

    def records(self, pos: int):
        book, n, count = self.book, len(self.book), 0
        while pos + 4 <= n and count < 2_000_000:
            kind, size = struct.unpack_from("<HH", book, pos)
            yield kind, book[pos + 4: pos + 4 + size]
            pos += 4 + size
            count += 1

    def read(self) -> None:
        in_sst = False
        for kind, body in self.records(0):
            if kind == 0x002F:
                raise _Refused("encrypted Excel workbook: a password is needed to open it")
            if kind == 0x000A:                 # EOF of the globals
                break
            if kind == 0x00FC:
                self.sst_fragments = [body]
                in_sst = True
                continue
            if kind == 0x003C and in_sst:
                self.sst_fragments.append(body)
                continue
            in_sst = False
            if kind == 0x0031 and len(body) >= 16:
                name = _xl_short_string(body, 14)
                self.fonts.append(name)
                if len(self.fonts) == 4:
                    self.fonts.append(name)    # index 4 is never used: keep positions aligned
            elif kind == 0x00E0 and len(body) >= 4:
                self.xf.append(struct.unpack_from("<HH", body, 0))
            elif kind == 0x041E and len(body) >= 5:
                self.formats[struct.unpack_from("<H", body, 0)[0]] = _xl_string(body, 2)[0]
            elif kind == 0x0085 and len(body) >= 6:
                offset, state = struct.unpack_from("<IB", body, 0)
                self.sheets.append((offset, state & 0x03 == 0))
        visible = [off for off, shown in self.sheets if shown] or [off for off, _ in self.sheets]
        if not visible:
            return
        cells = self._sheet(visible[0])
        strings = self._sst(max((v for _, _, k, v, _ in cells if k == "sst"), default=-1))
        rows = _Rows(self.out)
        by_row: dict[int, list] = {}
        for r, c, kind, value, xf in cells:
            by_row.setdefault(r, []).append((c, kind, value, xf))
        for r in sorted(by_row):
            line = []
            for c, kind, value, xf in sorted(by_row[r], key=lambda x: x[0]):
                font, is_date = self._style(xf)
                if kind == "sst":
                    value = strings[value] if 0 <= value < len(strings) else ""
                elif kind == "num":
                    value = _number(repr(value), is_date)
                if value.strip():
                    self.out.font(font)
                line.append([(value, legacy.font_scheme(font))])
            rows.row(line)

    def _style(self, xf: int) -> tuple[str | None, bool]:
        if not 0 <= xf < len(self.xf):
            return None, False
        font_index, fmt = self.xf[xf]
        font = self.fonts[font_index] if 0 <= font_index < len(self.fonts) else None
        return font, _is_date_format(fmt, self.formats.get(fmt))

    def _sheet(self, offset: int) -> list[tuple[int, int, str, object, int]]:
        cells: list[tuple[int, int, str, object, int]] = []
        rows_seen: set[int] = set()
        last_formula: tuple[int, int, int] | None = None
        for kind, body in self.records(offset):
            if kind == 0x000A:
                break
            if kind == 0x0207:
                if last_formula is not None:
                    r, c, ixf = last_formula
                    cells.append((r, c, "str", _xl_string(body, 0)[0], ixf))
                    last_formula = None
                continue
            if kind not in _BIFF_CELLS or len(body) < 6:
                continue
            row, col, xf = struct.unpack_from("<HHH", body, 0)
            if len(rows_seen) > 4 * SHEET_ROWS and row not in rows_seen and row > max(rows_seen):
                break   # cells come row block by row block: the rows we need are in
            if kind == 0x00FD and len(body) >= 10:
                cells.append((row, col, "sst", struct.unpack_from("<I", body, 6)[0], xf))
            elif kind in (0x0204, 0x00D6):
                cells.append((row, col, "str", _xl_string(body, 6)[0], xf))
            elif kind == 0x0203 and len(body) >= 14:
                cells.append((row, col, "num", struct.unpack_from("<d", body, 6)[0], xf))
            elif kind == 0x027E and len(body) >= 10:
                cells.append((row, col, "num", _rk(struct.unpack_from("<I", body, 6)[0]), xf))
            elif kind == 0x00BD:
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                for i in range(last - col + 1):
                    at = 4 + 6 * i
                    if at + 6 > len(body) - 2:
                        break
                    ixf, rk = struct.unpack_from("<HI", body, at)
                    cells.append((row, col + i, "num", _rk(rk), ixf))
            elif kind == 0x0205 and len(body) >= 8:
                value, is_error = body[6], body[7]
                if not is_error:
                    cells.append((row, col, "str", "TRUE" if value else "FALSE", xf))
            elif kind == 0x0006 and len(body) >= 14:
                result = body[6:14]
                if result[6:8] == b"\xff\xff":
                    if result[0] == 0:
                        last_formula = (row, col, xf)
                    elif result[0] == 1:
                        cells.append((row, col, "str", "TRUE" if result[2] else "FALSE", xf))
                    continue
                cells.append((row, col, "num", struct.unpack("<d", result)[0], xf))
            else:
                continue
            rows_seen.add(row)
        return cells

    def _sst(self, upto: int) -> list[str]:
        if upto < 0 or not self.sst_fragments:
            return []
        reader = _Fragments(self.sst_fragments)
        reader.skip(8)
        strings: list[str] = []
        while len(strings) <= upto and not reader.at_end():
            strings.append(reader.xl_string())
        return strings


# LABELSST, LABEL, RSTRING, NUMBER, RK, MULRK, BOOLERR, FORMULA, STRING
_BIFF_CELLS = frozenset({0x00FD, 0x0204, 0x00D6, 0x0203, 0x027E, 0x00BD, 0x0205, 0x0006, 0x0207})


def _rk(rk: int) -> float:
    if rk & 0x02:
        value = float(rk >> 2 if rk < 0x80000000 else (rk >> 2) - (1 << 30))
    else:
        value = struct.unpack("<d", struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    return value / 100 if rk & 0x01 else value


def _xl_short_string(body: bytes, pos: int) -> str:
    count, flags = body[pos], body[pos + 1]
    raw = body[pos + 2: pos + 2 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


def _xl_string(body: bytes, pos: int) -> tuple[str, int]:
    """XLUnicodeString (16-bit count) inside one record: (text, end position)."""
    if pos + 3 > len(body):
        return "", len(body)
    count, flags = struct.unpack_from("<HB", body, pos)
    pos += 3
    if flags & 0x08:
        pos += 2
    if flags & 0x04:
        pos += 4
    width = 2 if flags & 1 else 1
    raw = body[pos: pos + count * width]
    return raw.decode("utf-16-le" if width == 2 else "latin-1", "replace"), pos + count * width


class _Fragments:
    """SST data split over CONTINUE records; a string split there restarts its flag byte."""

    def __init__(self, fragments: list[bytes]):
        self.frags, self.i, self.pos = fragments, 0, 0

    def at_end(self) -> bool:
        while self.i < len(self.frags) and self.pos >= len(self.frags[self.i]):
            self.i, self.pos = self.i + 1, 0
        return self.i >= len(self.frags)

    def take(self, size: int) -> bytes:
        out = bytearray()
        while size > 0 and not self.at_end():
            frag = self.frags[self.i]
            piece = frag[self.pos: self.pos + size]
            out += piece
            self.pos += len(piece)
            size -= len(piece)
        return bytes(out)

    def skip(self, size: int) -> None:
        self.take(size)

    def xl_string(self) -> str:
        head = self.take(3)
        if len(head) < 3:
            return ""
        count, flags = struct.unpack("<HB", head)
        runs = struct.unpack("<H", self.take(2))[0] if flags & 0x08 else 0
        ext = struct.unpack("<I", self.take(4))[0] if flags & 0x04 else 0
        chars: list[str] = []
        wide = bool(flags & 1)
        while count > 0 and not self.at_end():
            frag = self.frags[self.i]
            width = 2 if wide else 1
            available = (len(frag) - self.pos) // width
            if available <= 0:          # continued in the next record, with a new flag byte
                self.i, self.pos = self.i + 1, 0
                if self.at_end():
                    break
                wide = bool(self.take(1)[0] & 1)
                continue
            take = min(count, available)
            raw = frag[self.pos: self.pos + take * width]
            chars.append(raw.decode("utf-16-le" if wide else "latin-1", "replace"))
            self.pos += take * width
            count -= take
            if count and self.pos >= len(frag):
                self.i, self.pos = self.i + 1, 0
                if self.at_end():
                    break
                wide = bool(self.take(1)[0] & 1)
        self.skip(4 * runs + ext)
        return "".join(chars)
