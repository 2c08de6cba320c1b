"""The workload: signed Vietnamese documents and the messages that carry them (reproducible from --seed).

`Workload(workdir, seed)` makes the test PKI, writes its trust files and signs one template
PDF per sending agency; `typical()`, `big()`, `unsigned_docx()`, `unsigned_pdf()`,
`refusal_exe()` and `refusal_xlsm()` return (Message-ID, raw message bytes).
"""

from __future__ import annotations

import random
import re
import zlib
from pathlib import Path

from benchmarks.common import DOCX_TYPE, MTA, OFFICE


AGENCIES = [
    ("vanthu@stc.quangngai.gov.vn", "SỞ TÀI CHÍNH", "STC"),
    ("vanthu@syt.quangngai.gov.vn", "SỞ Y TẾ", "SYT"),
    ("vanthu@sgddt.quangngai.gov.vn", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT"),
    ("vanthu@stnmt.quangngai.gov.vn", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
    ("vanthu@skhdt.quangngai.gov.vn", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT"),
    ("vanthu@snv.quangngai.gov.vn", "SỞ NỘI VỤ", "SNV"),
    ("vanthu@binhson.quangngai.gov.vn", "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN", "UBND"),
    ("vanthu@ducpho.quangngai.gov.vn", "ỦY BAN NHÂN DÂN THỊ XÃ ĐỨC PHỔ", "UBND"),
]

TOPICS = [
    "triển khai công tác chuyển đổi số năm 2027",
    "tăng cường công tác phòng, chống dịch bệnh mùa đông",
    "kiểm tra công tác quản lý đất đai trên địa bàn tỉnh",
    "tổ chức hội nghị tổng kết công tác năm 2026",
    "thực hiện chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "phòng, chống thiên tai và tìm kiếm cứu nạn năm 2027",
]


def _pdf_stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data)
        extra = b"/Filter /FlateDecode " + extra
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build_pdf(pages: list[list[str]], *, image_bytes: int = 0, seed: int = 0) -> tuple[bytes, dict[str, int]]:
    """An A4 PDF as Word's "Save as PDF" writes Vietnamese (Type0 font, Identity-H, ToUnicode),
    text streams uncompressed (so a number can be swapped in place), and optionally one
    incompressible RGB picture (a scanned annex, a seal) of about `image_bytes`."""
    chars = sorted({ch for page in pages for line in page for ch in line} | set("0123456789"))
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    objects: list[bytes] = [b"", b""]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    cmap_lines = []
    for i in range(0, len(chars), 100):
        block = chars[i:i + 100]
        cmap_lines.append(b"%d beginbfchar" % len(block))
        cmap_lines += [b"<%04X> <%s>" % (cid[ch], ch.encode("utf-16-be").hex().upper().encode()) for ch in block]
        cmap_lines.append(b"endbfchar")
    cmap = (b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + b"\n".join(cmap_lines) + b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    to_unicode = add(_pdf_stream(cmap))
    descriptor = add(b"<< /Type /FontDescriptor /FontName /ABCDEF+TimesNewRomanPSMT /Flags 32 "
                     b"/FontBBox [0 -216 1000 891] /ItalicAngle 0 /Ascent 891 /Descent -216 "
                     b"/CapHeight 662 /StemV 80 >>")
    descendant = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+TimesNewRomanPSMT "
                     b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                     b"/FontDescriptor %d 0 R /DW 500 /CIDToGIDMap /Identity >>" % descriptor)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+TimesNewRomanPSMT "
               b"/Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (descendant, to_unicode))
    image = None
    if image_bytes:
        side = int((image_bytes / 3) ** 0.5) + 1
        pixels = random.Random(seed).randbytes(side * side * 3)
        image = add(_pdf_stream(pixels, b"/Type /XObject /Subtype /Image /Width %d /Height %d "
                                        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 " % (side, side),
                                compress=False))
    kids = []
    for n, page in enumerate(pages):
        ops = [b"BT", b"/F1 13 Tf", b"16 TL", b"60 780 Td"]
        for line in page:
            ops.append(b"<" + "".join(f"{cid[ch]:04X}" for ch in line).encode() + b"> '")
        ops.append(b"ET")
        resources = b"/Font << /F1 %d 0 R >>" % font
        if image and n == len(pages) - 1:
            ops.append(b"q 140 0 0 140 380 90 cm /Im1 Do Q")
            resources += b" /XObject << /Im1 %d 0 R >>" % image
        content = add(_pdf_stream(b"\n".join(ops), compress=False))
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << %s >> "
                        b"/Contents %d 0 R >>" % (resources, content)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    from mailbot.util.samples import pdf_file

    return pdf_file(objects), cid


def document_pages(organ: str, notation: str, topic: str, *, title: str = "KẾ HOẠCH") -> list[list[str]]:
    return [
        ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" if organ.startswith("SỞ") else "TỈNH QUẢNG NGÃI", organ,
         f"Số: 00000/{notation}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "Quảng Ngãi, ngày 05 tháng 11 năm 2026", title, topic[:1].upper() + topic[1:],
         "I. MỤC ĐÍCH, YÊU CẦU",
         "1. Triển khai đồng bộ, hiệu quả các nhiệm vụ được giao.",
         "2. Phân công rõ trách nhiệm của từng cơ quan, đơn vị."],
        ["II. NỘI DUNG THỰC HIỆN",
         "1. Các cơ quan, đơn vị xây dựng kế hoạch chi tiết, gửi về trước ngày 30/11/2026.",
         "2. Báo cáo kết quả thực hiện định kỳ hằng quý.",
         "Nơi nhận:", "- UBND tỉnh (b/c);", "- Lưu: VT.",
         "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"],
    ]


class SignedTemplate:
    """A PDF signed once with pyHanko; variants with another document number get a fresh,
    valid CMS signature in ~0.2 ms (cryptography's PKCS#7 builder over the same /ByteRange)."""

    def __init__(self, pki, pages: list[list[str]], *, image_bytes: int, seed: int):
        from testbed import pki as pkimod

        pdf, self.cid = build_pdf(pages, image_bytes=image_bytes, seed=seed)
        self.pki = pki
        self.signed = pkimod.sign(pdf, pki.signer, chain=[pki.intermediate])
        self.marker = self._digits("00000")
        assert self.signed.count(self.marker) == 1, "number marker must occur once"
        m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", self.signed)
        self.r0, self.r1, self.r2, self.r3 = map(int, m.groups())
        assert self.signed.index(self.marker) < self.r1

    def _digits(self, text: str) -> bytes:
        return "".join(f"{self.cid[ch]:04X}" for ch in text).encode()

    def variant(self, number: int) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

        data = self.signed.replace(self.marker, self._digits(f"{number:05d}"))
        covered = data[self.r0:self.r1] + data[self.r2:self.r2 + self.r3]
        der = (pkcs7.PKCS7SignatureBuilder().set_data(covered)
               .add_signer(self.pki.signer.cert, self.pki.signer.key, hashes.SHA256())
               .add_certificate(self.pki.intermediate.cert)
               .sign(Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
        hexed = der.hex().encode()
        room = self.r2 - self.r1 - 2
        assert len(hexed) <= room
        return data[:self.r1 + 1] + hexed + b"0" * (room - len(hexed)) + data[self.r2 - 1:]


class Workload:
    def __init__(self, workdir: Path, seed: int):
        from testbed import pki as pkimod

        self.seed = seed
        self.rng = random.Random(seed)
        self.pki = pkimod.make_pki()
        self.trust_files = self.pki.write(workdir / "trust")
        self.templates = []
        for k, (address, organ, short) in enumerate(AGENCIES):
            pages = document_pages(organ, f"KH-{short}", TOPICS[k % len(TOPICS)])
            self.templates.append(SignedTemplate(self.pki, pages, image_bytes=37_000, seed=seed + k))
        self._big: dict[int, SignedTemplate] = {}

    # -- messages -----------------------------------------------------------------
    def _email(self, tag: str, i: int, sender: str, subject: str, body: str,
               files: list[tuple[str, bytes, str]], authenticated: bool = True) -> tuple[str, bytes]:
        from email.policy import SMTP as SMTP_POLICY

        from mailbot.util import samples

        msg = samples.email(sender, OFFICE, subject, body, files, authserv_id=MTA if authenticated else None)
        mid = f"<bench-{tag}-{i}.{self.seed}@{sender.rpartition('@')[2]}>"
        msg.replace_header("Message-ID", mid)
        msg.replace_header("Date", "Thu, 05 Nov 2026 09:%02d:%02d +0700" % (i // 60 % 60, i % 60))
        msg.set_boundary(f"=-bench-{tag}-{i}-=")
        return mid, msg.as_bytes(policy=SMTP_POLICY)

    def _docx(self, organ: str, i: int) -> bytes:
        from mailbot.util import samples

        return samples.docx([organ, f"Phụ lục kèm theo Kế hoạch số {i:05d}",
                             "Danh sách các cơ quan, đơn vị phối hợp thực hiện:"]
                            + [f"{n}. Phòng chuyên môn số {n} — đầu mối: chuyên viên {n}" for n in range(1, 25)])

    def typical(self, tag: str, i: int) -> tuple[str, bytes]:
        """One signed 2-page PDF (~50 KB) + one .docx: ~70 KB on the wire."""
        k = i % len(AGENCIES)
        sender, organ, _short = AGENCIES[k]
        pdf = self.templates[k].variant(i % 100_000)
        return self._email(tag, i, sender, f"Kế hoạch số {i:05d} về {TOPICS[k % len(TOPICS)]}",
                           f"Kính gửi Văn phòng UBND tỉnh.\n{organ} gửi Kế hoạch (bản ký số đính kèm).\nTrân trọng.",
                           [(f"KH-{i:05d}.pdf", pdf, "application/pdf"),
                            (f"Phu-luc-{i:05d}.docx", self._docx(organ, i), DOCX_TYPE)])

    def big(self, tag: str, i: int, size: int) -> tuple[str, bytes]:
        """A signed PDF of about `size` bytes (a scanned annex inside) + the .docx."""
        if size not in self._big:
            sender, organ, short = AGENCIES[0]
            self._big[size] = SignedTemplate(self.pki, document_pages(organ, f"KH-{short}", TOPICS[0]),
                                             image_bytes=size - 20_000, seed=self.seed + size)
        sender, organ, _ = AGENCIES[0]
        pdf = self._big[size].variant(i % 100_000)
        return self._email(tag, i, sender, f"Hồ sơ kèm bản quét ({len(pdf) // 1_000_000} MB) số {i:05d}",
                           "Kính gửi Văn phòng UBND tỉnh. Hồ sơ đính kèm.",
                           [(f"Ho-so-{i:05d}.pdf", pdf, "application/pdf"),
                            (f"Phu-luc-{i:05d}.docx", self._docx(organ, i), DOCX_TYPE)])

    def unsigned_docx(self, tag: str, i: int) -> tuple[str, bytes]:
        from mailbot.util import samples

        sender, organ, short = AGENCIES[i % len(AGENCIES)]
        doc = samples.docx([organ, f"Số: {i}/GM-{short}", "GIẤY MỜI",
                            "Họp giao ban công tác quý IV năm 2026", "Thời gian: 08 giờ 00, ngày 25/11/2026."])
        return self._email(tag, i, sender, f"Giấy mời họp giao ban số {i}", "Kính gửi Văn phòng UBND tỉnh.",
                           [(f"Giay-moi-{i}.docx", doc, DOCX_TYPE)])

    def unsigned_pdf(self, tag: str, i: int) -> tuple[str, bytes]:
        sender, organ, short = AGENCIES[i % len(AGENCIES)]
        pages = document_pages(organ, f"TTr-{short}", "phê duyệt dự toán kinh phí năm 2027", title="TỜ TRÌNH")
        pages[0][2] = f"Số: {i}/TTr-{short}"
        pdf, _ = build_pdf(pages)
        return self._email(tag, i, sender, f"Tờ trình số {i} phê duyệt dự toán", "Kính gửi UBND tỉnh.",
                           [(f"To-trinh-{i}.pdf", pdf, "application/pdf")])

    def refusal_exe(self, tag: str, i: int) -> tuple[str, bytes]:
        sender = AGENCIES[i % len(AGENCIES)][0]
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + bytes(2000)
        return self._email(tag, i, sender, f"Tài liệu gửi Văn phòng {i}", "Xin gửi tài liệu.",
                           [(f"tai-lieu-{i}.pdf", exe, "application/pdf")])

    def refusal_xlsm(self, tag: str, i: int) -> tuple[str, bytes]:
        from mailbot.util import samples

        sender = AGENCIES[i % len(AGENCIES)][0]
        book = samples.xlsm([["Chỉ tiêu", "Số liệu"], ["Thu ngân sách", "1200"]])
        return self._email(tag, i, sender, f"Báo cáo số liệu tháng 10 ({i})", "Gửi báo cáo số liệu.",
                           [(f"bao-cao-{i}.xlsm", book, "application/vnd.ms-excel.sheet.macroEnabled.12")])
