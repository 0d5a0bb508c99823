"""Small real files of every kind a paper may be, and some it may not, made here (no fixtures on disk)."""

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf(text: str = "A paper") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(body)} >> stream\n".encode() + body + b"\nendstream endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png() -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def webp() -> bytes:
    return b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            # A fixed date: the same parts make the same bytes, whenever (a test compares two builds).
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(*, macros: bool = False) -> bytes:
    parts = {"[Content_Types].xml": _TYPES, "_rels/.rels": b"<Relationships/>",
             "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>"}
    if macros:
        parts["word/vbaProject.bin"] = b"\x00" * 16
    return _zip(parts)


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Practice list size"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": _TYPES, "ppt/presentation.xml": b"<p:presentation/>",
                 "ppt/slides/slide1.xml": b"<p:sld/>"})


def plain_zip() -> bytes:
    return _zip({"notes.txt": b"Not an Office file"})


def ole2(*streams: str) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding empty streams of these names: with
    "WordDocument" it is a .doc, with "Workbook" an .xls, with none of those what an .msi installer is too."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0) + struct.pack("<I", free) * 108
    )
    fat = struct.pack("<II", fat_sector, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, *, child=no_stream, right=no_stream) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", no_stream, right, child) + b"\x00" * 36 + struct.pack("<IQ", end, 0))

    # The streams hang off the root as a chain of right siblings (a red-black tree of all-black nodes).
    entries = [entry("Root Entry", 5, child=1 if streams else no_stream)]
    for index, name in enumerate(streams):
        entries.append(entry(name, 2, right=index + 2 if index + 1 < len(streams) else no_stream))
    directory = b"".join(entries).ljust(512, b"\x00")
    assert len(directory) == 512, "four directory entries at most"
    return header + fat + directory


def doc() -> bytes:
    return ole2("WordDocument", "1Table")


def xls() -> bytes:
    return ole2("Workbook")


def ppt() -> bytes:
    return ole2("PowerPoint Document")


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


ALLOWED = {
    "paper.pdf": (pdf, "application/pdf"),
    "chart.png": (png, "image/png"),
    "photo.jpg": (jpeg, "image/jpeg"),
    "icon.gif": (gif, "image/gif"),
    "picture.webp": (webp, "image/webp"),
    "report.docx": (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "figures.xlsx": (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "slides.pptx": (pptx, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "old-report.doc": (doc, "application/msword"),
    "old-figures.xls": (xls, "application/vnd.ms-excel"),
    "old-slides.ppt": (ppt, "application/vnd.ms-powerpoint"),
}


def upload(name: str = "paper.pdf", content: bytes | None = None, content_type: str = "application/pdf"):
    """What a browser sends: a file with a name and a claimed type (which the portal does not believe)."""
    return SimpleUploadedFile(name, pdf() if content is None else content, content_type=content_type)
