"""Papers: files attached to decision items, forum meetings (minutes, and papers for the meeting or one agenda item),
briefings and requests.

Each owner app has its concrete paper model (decisions.ItemPaper, representation.MeetingPaper, …) on `PaperBase`, so
a paper belongs to its owner's place (PLACE_PATH) and keeps the owner app's place in the layering. What they share is
here, once:

- what a paper may be: PDF, Word, Excel, PowerPoint or an image, told by its content and never by its name (a
  program renamed `.pdf` is refused), no larger than PAPER_MAX_BYTES;
- where it is kept: the "papers" storage (settings.STORAGES; a local folder, or an S3-compatible store), under a
  random key, never the uploader's name, and never served by any URL of its own;
- how it is added (`paper_add`), read back (`paper_download`: always a download, never shown in the browser) and
  listed with its earlier versions (`with_versions`);
- papers are never deleted or overwritten: a new version supersedes the old one, which stays downloadable.

Who may add or download a paper is the owner's rule: each app's views fetch the owner with its getter and then the
paper of that owner (`paper_of`).
"""

import hashlib
import io
import logging
import os
import re
import uuid
import zipfile
from dataclasses import dataclass

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models, transaction
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone

from . import places

logger = logging.getLogger(__name__)

# What a paper may be: its content type (as sniffed) → what people call it, and the file name endings it goes by.
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"
TYPES = {
    PDF: ("PDF", (".pdf",)),
    DOCX: ("Word document", (".docx",)),
    DOC: ("Word document", (".doc",)),
    XLSX: ("Excel spreadsheet", (".xlsx",)),
    XLS: ("Excel spreadsheet", (".xls",)),
    PPTX: ("PowerPoint presentation", (".pptx",)),
    PPT: ("PowerPoint presentation", (".ppt", ".pps")),
    PNG: ("PNG image", (".png",)),
    JPEG: ("JPEG image", (".jpg", ".jpeg")),
    GIF: ("GIF image", (".gif",)),
    WEBP: ("WebP image", (".webp",)),
}
# For the file chooser: it only filters what the chooser offers; the content decides.
ACCEPT = ",".join(ending for _, endings in TYPES.values() for ending in endings)

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream that makes a compound file a Word, Excel or PowerPoint file (an .msi installer is one too, with none).
OLE2_STREAMS = (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT))
# The main part that makes an Office Open XML package a Word, Excel or PowerPoint file.
OOXML_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))

CHOOSE_A_FILE = "Choose a file to upload."
EMPTY_FILE = "The selected file is empty. Choose a file with something in it."
WRONG_TYPE = (
    "The file must be a PDF, a Word, Excel or PowerPoint file, or an image (PNG, JPEG, GIF or WebP). Choose a file "
    "of one of those types."
)
HAS_MACROS = (
    "The file contains macros, which could harm the computers of the people who open it. Save it without macros "
    "(as .docx, .xlsx or .pptx) and choose it again."
)
CHOOSE_AGAIN = (
    "Choose the file again. For your security a file is not kept when something else on the form needs correcting."
)


def size_label(size: int) -> str:
    """A size in the words of the limit message: 20 MB, 1.5 MB, 900 KB, 10 bytes."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_large_message() -> str:
    return f"The file must be {size_label(settings.PAPER_MAX_BYTES)} or smaller. Choose a smaller file."


def hint() -> str:
    """What the upload fields say under their label."""
    return (
        f"A PDF, Word, Excel or PowerPoint file, or an image (PNG, JPEG, GIF or WebP), up to "
        f"{size_label(settings.PAPER_MAX_BYTES)}."
    )


# Telling the type from the content ------------------------------------------------------------------------------

def _rewound(file):
    file.seek(0)
    return file


def _office_open_xml(file) -> str | None:
    """A .docx, .xlsx or .pptx: a zip with [Content_Types].xml and the main part of one of them. Only the zip's
    directory is read (names, not contents), so a zip bomb costs nothing to look at."""
    try:
        with zipfile.ZipFile(_rewound(file)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(HAS_MACROS)
    return next((content_type for part, content_type in OOXML_PARTS if part in names), None)


def _legacy_office(file) -> str | None:
    """A .doc, .xls or .ppt: an OLE2 compound file with the stream that makes it one of them."""
    try:
        ole = olefile.OleFileIO(_rewound(file))
    except Exception:  # a malformed compound file can fail anywhere in the parser: it is not a document we take
        return None
    try:
        if ole.exists("Macros") or ole.exists("_VBA_PROJECT_CUR"):
            raise ValidationError(HAS_MACROS)
        return next((content_type for stream, content_type in OLE2_STREAMS if ole.exists(stream)), None)
    finally:
        ole.close()


def sniff(file) -> str | None:
    """The content type of an allowed paper, told from its first bytes (and, for Office files, its structure);
    None for anything else. Raises ValidationError for an Office file with macros."""
    head = _rewound(file).read(16)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return GIF
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return WEBP
        if head.startswith(OLE2_SIGNATURE):
            return _legacy_office(file)
        if head.startswith(b"PK\x03\x04"):
            return _office_open_xml(file)
        return None
    finally:
        _rewound(file)


# Checking an upload ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\"]")


def clean_name(name: str) -> str:
    """The name the uploader's computer gave the file, made safe to show and to offer back in a download: no
    folders (old browsers sent whole paths), no control or direction characters, no quotes, at most 200 characters
    with its ending kept."""
    name = _UNSAFE_IN_NAMES.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    stem, ending = os.path.splitext(name)
    if len(ending) > 10:
        stem, ending = name, ""
    return (stem[: 200 - len(ending)] + ending) or "paper"


def paper_check(file) -> CheckedFile:
    """What a paper must be: a file, not empty, no larger than PAPER_MAX_BYTES, and by its content one of TYPES."""
    if not file:
        raise ValidationError(CHOOSE_A_FILE)
    if getattr(file, "too_large", False) or file.size > settings.PAPER_MAX_BYTES:
        raise ValidationError(too_large_message())
    if file.size == 0:
        raise ValidationError(EMPTY_FILE)
    content_type = sniff(file)
    if content_type is None:
        raise ValidationError(WRONG_TYPE)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    _rewound(file)
    return CheckedFile(name=clean_name(file.name), content_type=content_type, size=file.size,
                       sha256=digest.hexdigest())


class TooLargeUpload(UploadedFile):
    """What the form gets instead of a file over PAPER_MAX_BYTES: its name and real size, none of its content."""

    too_large = True

    def __init__(self, *, name, content_type, size):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size)


class PaperUploadHandler(FileUploadHandler):
    """First of settings.FILE_UPLOAD_HANDLERS: once an uploaded file passes PAPER_MAX_BYTES, the rest of it is read
    and dropped, and the form gets a TooLargeUpload, so the person is told the limit (never a 500) and a huge upload
    does not fill the server's memory or disk. Files within the limit go on to Django's own handlers."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.PAPER_MAX_BYTES:
            return None  # the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size):
        if self.received > settings.PAPER_MAX_BYTES:
            return TooLargeUpload(name=self.file_name, content_type=self.content_type, size=self.received)
        return None


# Where papers are kept ------------------------------------------------------------------------------------------

class PapersStorage(Storage):
    """The "papers" storage of settings.STORAGES, looked up on each use rather than once when the models load, so
    that a change of STORAGES (a test's temporary folder) applies."""

    @staticmethod
    def _target():
        return storages["papers"]


for _method in ("open", "save", "exists", "size", "delete", "url", "path", "listdir", "generate_filename",
                "get_valid_name", "get_available_name", "get_alternative_name", "get_accessed_time",
                "get_created_time", "get_modified_time"):
    setattr(PapersStorage, _method,
            lambda self, *args, _method=_method, **kwargs: getattr(self._target(), _method)(*args, **kwargs))

_PAPERS_STORAGE = PapersStorage()


def papers_storage():
    return _PAPERS_STORAGE


def paper_key(instance, filename) -> str:
    """Where a paper's file is kept: a random key (never the uploader's name: no path tricks, no clashes, nothing
    said about the paper to whoever lists the store), in a folder per month."""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


# The model ------------------------------------------------------------------------------------------------------

class PaperQuerySet(models.QuerySet):
    def current(self):
        """The latest version of each paper: those no later version supersedes."""
        return self.filter(superseded_by__isnull=True)


class PaperBase(models.Model):
    """A file attached to something, one version of it. The concrete model names its owner in a foreign key whose
    related_name is "papers" (the owner's `papers`), that key's name in OWNER, its download page in URL_NAME (taking
    the owner's pk and the paper's), and its path to the place in PLACE_PATH; and it keeps its own history."""

    OWNER: str
    URL_NAME: str

    title = models.CharField(max_length=200)
    file = models.FileField(storage=papers_storage, upload_to=paper_key, max_length=100)
    original_name = models.CharField("file name", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    # None for a paper sent with the public request form.
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # One-to-one: a version is superseded once, so the versions of a paper are one line, newest last.
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")

    objects = places.scoped_manager(PaperQuerySet)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(self.URL_NAME, args=[getattr(self, f"{self.OWNER}_id"), self.pk])

    @property
    def type_label(self) -> str:
        return TYPES.get(self.content_type, ("file", ()))[0]

    @property
    def download_name(self) -> str:
        """The uploader's name for the file, with the ending of what it is (a PDF called `report` or `report.exe`
        downloads as `report.pdf`), so that the computer that opens it opens it as what it is."""
        stem, ending = os.path.splitext(self.original_name)
        endings = TYPES.get(self.content_type, ("", (".bin",)))[1]
        if ending.lower() in endings:
            return self.original_name
        return f"{stem if ending else self.original_name}{endings[0]}"


# Adding and reading papers --------------------------------------------------------------------------------------

# What every paper has (PaperBase's fields); anything else of a concrete model is its owner or its details.
BASE_FIELDS = ("title", "file", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at",
               "supersedes")


def _details(model, owner_field: str) -> list[str]:
    """The concrete model's own fields besides its owner: a new version keeps them (a meeting paper's kind)."""
    return [field.name for field in model._meta.concrete_fields
            if field.name not in BASE_FIELDS and field.name not in ("id", owner_field)]


@transaction.atomic
def paper_add(*, owner, file, title: str = "", uploaded_by=None, supersedes=None, **details) -> PaperBase:
    """Attach a file to `owner` (anything with `papers`). With `supersedes` it is a new version of that paper of the
    same owner, which stays on record; the new version keeps its title (unless given one) and its details. Checks
    the file whatever the caller did."""
    papers = owner.papers
    model, owner_field = papers.model, papers.field.name
    try:
        checked = paper_check(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    if supersedes is not None:
        supersedes = model.objects.select_for_update().filter(pk=supersedes.pk).first()
        if supersedes is None or getattr(supersedes, f"{owner_field}_id") != owner.pk:
            raise ValidationError({"supersedes": "Choose one of the papers listed here."})
        if model.objects.filter(supersedes=supersedes).exists():
            raise ValidationError({"supersedes": "Someone has just added a newer version of that paper. Choose "
                                                 "the file again if yours is newer still."})
        details = {name: getattr(supersedes, name) for name in _details(model, owner_field)}
        title = title.strip() or supersedes.title
    paper = model(
        **{owner_field: owner}, **details,
        title=(title.strip() or os.path.splitext(checked.name)[0] or checked.name)[:200],
        original_name=checked.name, content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
        uploaded_by=uploaded_by, supersedes=supersedes,
    )
    # The file is written first: if the row then fails, an unused file is left in the store, never a row without
    # its file.
    paper.file.save(checked.name, file, save=False)
    paper.save()
    return paper


@transaction.atomic
def paper_share(*, paper: PaperBase, owner) -> PaperBase:
    """The same stored file attached to another owner of the same kind (each copy of a request sent to several
    places gets the paper the partner sent). The file is kept once; it is never changed, so sharing it is safe."""
    papers = owner.papers
    fields = {name: getattr(paper, name) for name in BASE_FIELDS if name != "supersedes"}
    return papers.model.objects.create(**{papers.field.name: owner}, **fields)


def added_message(paper: PaperBase) -> str:
    """What the person is told once their paper is added."""
    if paper.supersedes_id:
        return f"The new version of “{paper.title}” is added. The earlier version is kept."
    return f"“{paper.title}” is added."


def paper_of(owner, pk) -> PaperBase:
    """A paper of this owner (any version), or not found: a paper of another owner is not reached through this one."""
    paper = owner.papers.filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper")
    return paper


def paper_download(paper: PaperBase) -> FileResponse:
    """The paper as a download, never shown in the browser: attachment, the type it was found to be, nosniff, and
    kept out of shared caches."""
    try:
        handle = paper.file.storage.open(paper.file.name, "rb")
    except FileNotFoundError:
        logger.error("The file of %s %s (%s) is missing from the papers store", type(paper).__name__, paper.pk,
                     paper.file.name)
        raise Http404("The file of this paper is missing") from None
    response = FileResponse(handle, as_attachment=True, filename=paper.download_name,
                            content_type=paper.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def with_versions(papers) -> list:
    """The current version of each paper among `papers` (all versions, as fetched: one query), newest first, each
    with `earlier`: the versions it superseded, newest first."""
    papers = list(papers)
    by_pk = {paper.pk: paper for paper in papers}
    superseded = {paper.supersedes_id for paper in papers if paper.supersedes_id}
    current = [paper for paper in papers if paper.pk not in superseded]
    for paper in current:
        paper.earlier = []
        previous = by_pk.get(paper.supersedes_id)
        while previous is not None:
            paper.earlier.append(previous)
            previous = by_pk.get(previous.supersedes_id)
    return sorted(current, key=lambda paper: (paper.uploaded_at, paper.pk), reverse=True)
