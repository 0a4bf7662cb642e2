"""What a document is, read from its bytes (never its name): PDF, ODF text or Word (DOCX)."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", ODT: ".odt", DOCX: ".docx"}


def sniff(content: bytes) -> str | None:
    """The media type of `content` when it is one of the allowed kinds, else None.

    A PDF begins with `%PDF-`. An ODF text is a zip whose first entry `mimetype` holds its type;
    a DOCX a zip with `[Content_Types].xml` and `word/document.xml`. Only the zip's directory
    and the few bytes of `mimetype` are read, so a zip bomb is never expanded."""
    if content.startswith(b"%PDF-"):
        return PDF
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if infos and infos[0].filename == "mimetype" and infos[0].file_size < 100:
                if archive.read(infos[0]).strip() == ODT.encode("ascii"):
                    return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError, EOFError):
        return None
    return None
