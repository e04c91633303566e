"""An uploaded file kept between its preview and its apply: Apply writes exactly the bytes the
preview showed (found by a random token, not by anything in the person's session)."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from app.dataio.models import ImportUpload
from app.dataio.services import Plan, apply_file, kind_of
from app.errors import NotFound, Refusal
from app.extensions import db
from app.timeutil import utcnow

KEEP_UPLOADS = timedelta(days=1)


def store_upload(kind_name: str, filename: str, data: bytes, actor=None) -> ImportUpload:
    """Keep the uploaded bytes for the preview and the apply that follows it."""
    upload = ImportUpload(token=secrets.token_urlsafe(32), kind=kind_of(kind_name).name,
                          filename=(filename or f"{kind_name}.csv")[:120], sha256=hashlib.sha256(data).hexdigest(),
                          content=data, created_by_id=actor.id if actor is not None else None)
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_by_token(token: str) -> ImportUpload:
    upload = db.session.execute(select(ImportUpload).where(ImportUpload.token == token)).scalar_one_or_none()
    if upload is None:
        raise NotFound("That upload is not here any more (uploads are kept for a day): upload the file again.")
    return upload


def apply_upload(upload: ImportUpload, actor=None) -> Plan:
    """Apply the previewed file, all or nothing (ImportRefused if it no longer checks out)."""
    if upload.applied_at is not None:
        raise Refusal(f"{upload.filename} has already been imported; upload it again to import it again.")
    plan = apply_file(upload.kind, upload.content, upload.filename, actor=actor)
    upload.applied_at = utcnow()
    return plan


def forget_old_uploads() -> str | None:
    """Housekeeping: remove uploads older than a day (applied or not)."""
    gone = db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - KEEP_UPLOADS)).rowcount
    return f"removed {gone} old CSV upload(s)" if gone else None
