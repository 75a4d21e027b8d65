"""The audit log: one entry for every change, written by every app's services.

A public module of the tenancy app (the audit log belongs to a consultancy
and an organisation): services of any app above tenancy call `audit_record`
inside the transaction of the change it records, so a change and its entry
commit or roll back together. It must never be called from a view or a
selector, and never outside the change's transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models

from neutra.web.tenancy.models import AuditEntry, Consultancy, Organisation

__all__ = ["audit_record"]


def audit_record(
    *,
    by: User | None,
    action: str,
    obj: models.Model,
    consultancy: Consultancy | None = None,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that `by` (None: the system) did `action` to `obj`, with a JSON `detail`."""
    return AuditEntry.objects.create(
        actor=by,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        consultancy=consultancy or (organisation.consultancy if organisation else None),
        organisation=organisation,
        detail=detail or {},
    )
