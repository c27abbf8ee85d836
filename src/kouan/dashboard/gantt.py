"""A consignment's events as a Gantt-like chart: one row per object (declaration, bill of lading,
each container, each transport call), a bar from its first to its last event and a marker per
milestone. Times are sent as Beijing wall-clock milliseconds and drawn in UTC mode, so the axis
reads Asia/Shanghai whatever the browser's zone."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy.orm import Session

from kouan.consignments import timeline as timeline_service
from kouan.dashboard import labels
from kouan.dashboard.drill import beijing
from kouan.dashboard.model import Translate
from kouan.events.domain import milestone_name
from kouan.kit.clock import CHINA_TZ
from kouan.partners.domain import Principal


def _wall_ms(at) -> int:  # type: ignore[no-untyped-def]
    local = at.astimezone(CHINA_TZ).replace(tzinfo=UTC)
    return int(local.timestamp() * 1000)


def _sender_names(session: Session, codes: set[str], t: Translate) -> dict[str, str]:
    """Each sender as people read it: its organisation's name (in Chinese, as registered)."""
    from sqlalchemy import select

    from kouan.partners.models import Organisation

    rows = session.execute(select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes)))
    return {"kouan": t(labels.PORTAL), **dict(rows.tuples().all())}


def chart(session: Session, *, actor: Principal, ref: str, t: Translate) -> dict[str, Any]:
    """The chart for the consignment ``ref`` names, as the actor may see it (whole, or only its own
    events: ``consignments.visibility``), else ``NotFound``."""
    tl = timeline_service.for_ref(session, actor=actor, ref=ref)
    by_pk = {e.id: e for e in tl.events}
    senders = _sender_names(session, {e.source for e in tl.events}, t)
    objects = [f"{t(labels.OBJECT_KINDS.get(o.kind, o.kind))} {o.key}" for o in tl.objects]
    spans, points, rows = [], [], []
    classes: dict[str, None] = {}
    for i, o in enumerate(tl.objects):
        events = [by_pk[pk] for pk in o.event_pks]
        if events:
            spans.append({"object": i, "start": _wall_ms(events[0].occurred_at),
                          "end": _wall_ms(events[-1].occurred_at)})
        for e in events:
            series = t(labels.CLASSIFIERS.get(e.classifier, e.classifier))
            classes[series] = None
            milestone = t(milestone_name(e.milestone))
            points.append({"object": i, "at": _wall_ms(e.occurred_at), "series": series,
                           "milestone": milestone, "time": beijing(e.occurred_at),
                           "source": senders.get(e.source, e.source)})
            rows.append([objects[i], milestone, beijing(e.occurred_at), senders.get(e.source, e.source),
                         series])
    header = [t(labels.OBJECT), t(labels.MILESTONE), t(labels.TIME), t(labels.SOURCE), t(labels.SERIES)]
    return {"chart": "gantt", "title": t(labels.TITLES["gantt"]), "empty": not points,
            "series_names": [t(labels.SPAN), *classes], "objects": objects, "spans": spans,
            "points": points, "category_name": t(labels.OBJECT), "value_name": t(labels.TIME),
            "consignment_id": tl.consignment_id, "table": {"header": header, "rows": rows}}
