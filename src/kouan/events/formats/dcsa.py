"""DCSA Track & Trace 2.2 events -> canonical events. Pure: bytes in, ``ParseResult`` out.

Input: the body of ``GET /v2/events`` (a JSON array of TRANSPORT, EQUIPMENT and SHIPMENT events)
or of a push notification (the callback body is the same array; ``parse_notification``), or one
event object. Reference: shared/reference/dcsa/TNT_v2.2.0-resolved.yaml and the code lists there.

Mapping (``original_code`` is always kept, e.g. ``EQUIPMENT/LOAD``, ``SHIPMENT/CONF/BKG``):

| DCSA 2.2                                     | milestone                         |
| -------------------------------------------- | --------------------------------- |
| TRANSPORT ARRI / DEPA                        | TRANSPORT_ARRIVED / _DEPARTED     |
| EQUIPMENT LOAD / DISC                        | LOADED / DISCHARGED               |
| EQUIPMENT GTIN / GTOT (laden)                | GOODS_ARRIVED_AT_PORT / GATE_OUT  |
| EQUIPMENT CUSS (selected for scan)           | INSPECTION_ORDERED                |
| EQUIPMENT CUSI (selected for inspection)     | INSPECTION_ORDERED                |
| EQUIPMENT CUSR (customs released)            | CUSTOMS_RELEASED                  |
| SHIPMENT HOLD / RELS of a customs document   | CUSTOMS_HOLD / CUSTOMS_RELEASED   |
| anything else                                | OTHER (with its original code)    |

Why these choices:
- CUSS and CUSI both mean customs *selected* the equipment (code list: "Customs Selected for
  Scan/Inspection"); DCSA has no "inspection done" code, so nothing maps to INSPECTION_DONE.
  ``attrs['inspection']`` says ``scan`` or ``physical``. (CUSS/CUSI/CUSR come from the DCSA code
  list after 2.2; 2.2's own enum lacks them, but publishers send them.)
- SHIPMENT HOLD/RELS are about *any* document ("by authorities or service provider"): a carrier
  releasing a booking is not customs. They count as customs only when documentTypeCode is CUS
  (Customs Inspection, 2.2) or CUC (Customs Clearance, code list); otherwise OTHER.
- No SHIPMENT code is a customs manifest filing (DRFT/ISSU/... of a TRD is the carrier's bill of
  lading, not 舱单申报), so nothing maps to MANIFEST_FILED.
- GTIN/GTOT of an EMPTY container are depot moves, not 运抵/提离 of goods: OTHER with original
  code ``EQUIPMENT/GTIN/EMPTY``. LOAD/DISC map whatever the load, ``emptyIndicatorCode`` is kept.
- Direction: DCSA does not say. DISC at a port is taken as import and LOAD as export (the event
  is at that port); everything else has no direction.
- version: 2.2 has no ``eventUpdatedDateTime`` (3.0 has); when absent ``eventCreatedDateTime`` is
  the version, so a re-published event with a later creation time replaces the older one.
- Transport call keys: ``IMO/importVoyageNumber/LOCODE`` and ``IMO/exportVoyageNumber/LOCODE``
  (one key when they are equal; ``carrierVoyageNumber`` when neither is given). Without an IMO
  number the vessel name stands in (``NAME/VOYAGE/LOCODE``, spaces removed); without a voyage or
  UN/LOCODE the key is ``DCSA-TC/<transportCallID>``. transportCallID is kept in attrs.
- A container with a wrong ISO 6346 check digit is kept and flagged in ``attrs['flags']``; an
  invalid UN/LOCODE, a time without UTC offset or a missing required field rejects the event,
  with a JSON pointer to the field (``/3/eventDateTime``) and the event's own JSON text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kouan.events.domain import (
    CanonicalEvent,
    Classifier,
    Direction,
    Milestone,
    ParseResult,
    Ref,
    RefKind,
    Rejection,
    bl_key,
    container_key,
    vessel_call_key,
)
from kouan.events.formats.canonical import (
    MAX_CODE,
    WHOLE_INPUT,
    FieldError,
    attempt,
    check_event_id,
    check_text,
    decode_input,
    json_items,
    json_kind,
    make_ref,
    parse_instant,
    pointer,
)
from kouan.kit.ids import check_container, check_imo, check_locode

SIGNATURE_HEADER = "Notification-Signature"

_TRANSPORT = {"ARRI": Milestone.TRANSPORT_ARRIVED, "DEPA": Milestone.TRANSPORT_DEPARTED}
_EQUIPMENT = {
    "LOAD": Milestone.LOADED,
    "DISC": Milestone.DISCHARGED,
    "GTIN": Milestone.GOODS_ARRIVED_AT_PORT,
    "GTOT": Milestone.GATE_OUT,
    "CUSS": Milestone.INSPECTION_ORDERED,
    "CUSI": Milestone.INSPECTION_ORDERED,
    "CUSR": Milestone.CUSTOMS_RELEASED,
}
_LADEN_ONLY = frozenset({"GTIN", "GTOT"})
_INSPECTION = {"CUSS": "scan", "CUSI": "physical"}
_SHIPMENT_CUSTOMS = {"HOLD": Milestone.CUSTOMS_HOLD, "RELS": Milestone.CUSTOMS_RELEASED}
_CUSTOMS_DOCUMENTS = frozenset({"CUS", "CUC"})
_DIRECTION = {"DISC": Direction.IMPORT, "LOAD": Direction.EXPORT}
_CODE_FIELD = {
    "TRANSPORT": "transportEventTypeCode",
    "EQUIPMENT": "equipmentEventTypeCode",
    "SHIPMENT": "shipmentEventTypeCode",
}
_DOCUMENT_REFS = {"TRD": RefKind.BILL_OF_LADING, "BKG": RefKind.BOOKING}
_EVENT_ATTRS = ("emptyIndicatorCode", "ISOEquipmentCode", "delayReasonCode", "documentID",
                "documentTypeCode", "reason")  # fmt: skip
_CALL_ATTRS = ("transportCallID", "carrierServiceCode", "carrierVoyageNumber",
               "importVoyageNumber", "exportVoyageNumber", "transportCallSequenceNumber",
               "facilityCode", "facilityCodeListProvider", "facilityTypeCode", "otherFacility",
               "modeOfTransport")  # fmt: skip
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

Path = tuple[str | int, ...]


# --- push notifications --------------------------------------------------------------------


def verify_signature(body: bytes, header: str | None, secret: bytes) -> bool:
    """Check ``Notification-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body (every byte,
    whitespace included) keyed with the subscription secret. ``secret`` is the secret's bytes:
    the subscription JSON carries it base64-encoded (``format: byte``), see ``decode_secret``.
    The signature type is matched case-insensitively, as DCSA's reference implementation does."""
    if not header or not secret:
        return False
    kind, sep, signature = header.strip().partition("=")
    if not sep or kind.strip().lower() != "sha256":
        return False  # sha256 is the only signature type DCSA 2.2 defines
    signature = signature.strip()
    if not _HEX_SHA256.fullmatch(signature):
        return False
    expected = hmac.new(secret, bytes(body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


def sign(body: bytes, secret: bytes) -> str:
    """The ``Notification-Signature`` value a publisher sends for ``body``."""
    return "sha256=" + hmac.new(secret, bytes(body), hashlib.sha256).hexdigest()


def decode_secret(value: str) -> bytes:
    """The subscription ``secret`` as sent in JSON (base64) -> the HMAC key bytes."""
    return base64.b64decode(value, validate=True)


# --- events --------------------------------------------------------------------------------


def parse_events(data: bytes) -> ParseResult:
    """An event list as returned by ``GET /v2/events`` (or a single event object)."""
    result = ParseResult()
    text, problem = decode_input(data)
    items, problem = json_items(text) if problem is None else ([], problem)
    if problem is not None:
        result.rejections.append(problem)
    for path, value, raw in items:
        outcome = attempt(lambda v=value, p=path: _event(v, pointer(*p) or None))
        if isinstance(outcome, FieldError):
            at = pointer(*path, *outcome.path) or WHOLE_INPUT
            result.rejections.append(Rejection(outcome.reason(), at, raw))
        else:
            result.events.append(outcome)
    return result


def parse_notification(body: bytes) -> ParseResult:
    """A push notification body. DCSA 2.2's callback body is the same array of events as the
    GET response, so this is ``parse_events``; check ``verify_signature`` first."""
    return parse_events(body)


def _event(ev: Any, location: str | None) -> CanonicalEvent:
    if not isinstance(ev, dict):
        raise FieldError((), f"expected an event object, got {json_kind(ev)}")
    check_text(ev)
    event_type = _text(ev, ("eventType",), required=True)
    if event_type not in _CODE_FIELD:
        raise FieldError(("eventType",), f"must be TRANSPORT, EQUIPMENT or SHIPMENT, not {event_type!r}")
    event_id = check_event_id(_text(ev, ("eventID",), required=True), ("eventID",))
    classifier = _classifier(ev)
    occurred = _instant(ev, "eventDateTime", required=True)
    recorded = _instant(ev, "eventCreatedDateTime", required=True)
    version = _instant(ev, "eventUpdatedDateTime") or recorded
    code = _type_code(ev, event_type)
    milestone, original = _milestone(ev, event_type, code)
    call = _transport_call(ev, required=event_type == "TRANSPORT")
    flags: list[str] = []
    refs = _refs(ev, call, flags)
    attrs = _attrs(ev, call, event_type, code, flags)
    return CanonicalEvent(
        event_id=event_id, milestone=milestone, occurred_at=occurred, classifier=classifier,
        recorded_at=recorded, port=_port(ev, call), refs=refs, attrs=attrs,
        direction=_DIRECTION.get(code) if event_type == "EQUIPMENT" else None,
        original_code=original, version=version, location=location,
    )  # fmt: skip


def _get(obj: Any, path: Path) -> Any:
    for key in path:
        if isinstance(key, int) and isinstance(obj, list) and 0 <= key < len(obj):
            obj = obj[key]
        elif isinstance(key, str) and isinstance(obj, dict):
            obj = obj.get(key)
        else:
            return None
    return obj


def _text(ev: dict[str, Any], path: Path, *, required: bool = False) -> str | None:
    """A string field, stripped; blank counts as absent."""
    value = _get(ev, path)
    if value is None or value == "":
        if required:
            raise FieldError(path, "is required")
        return None
    if not isinstance(value, str):
        raise FieldError(path, f"expected a string, got {json_kind(value)}")
    if not value.strip() and required:
        raise FieldError(path, "is required")
    return value.strip() or None


def _classifier(ev: dict[str, Any]) -> Classifier:
    code = _text(ev, ("eventClassifierCode",), required=True)
    if code not in Classifier.__members__:
        raise FieldError(("eventClassifierCode",), f"must be ACT, EST or PLN, not {code!r}")
    return Classifier(code)


def _instant(ev: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    text = _text(ev, (name,), required=required)
    if text is None:
        return None
    try:
        value = parse_instant(text)
    except ValueError as exc:
        raise FieldError((name,), str(exc)) from None
    if value.tzinfo is None:
        # DCSA date-times carry an offset; guessing one would shift the clock silently
        raise FieldError((name,), f"{text!r} has no UTC offset (e.g. 2021-01-09T14:12:56+01:00)")
    return value


def _type_code(ev: dict[str, Any], event_type: str) -> str:
    field = _CODE_FIELD[event_type]
    code = _text(ev, (field,)) or _text(ev, ("eventTypeCode",))  # the deprecated 2.x name
    if code is None:
        raise FieldError((field,), f"is required for a {event_type} event")
    if len(code) > 20:
        raise FieldError((field,), "is not an event type code (longer than 20 characters)")
    return code.upper()


def _milestone(ev: dict[str, Any], event_type: str, code: str) -> tuple[Milestone, str]:
    if event_type == "TRANSPORT":
        return _TRANSPORT.get(code, Milestone.OTHER), f"TRANSPORT/{code}"
    if event_type == "EQUIPMENT":
        empty = _text(ev, ("emptyIndicatorCode",))
        if empty not in (None, "EMPTY", "LADEN"):
            raise FieldError(("emptyIndicatorCode",), f"must be EMPTY or LADEN, not {empty!r}")
        if code in _LADEN_ONLY and empty == "EMPTY":
            return Milestone.OTHER, f"EQUIPMENT/{code}/EMPTY"  # an empty box is not goods
        return _EQUIPMENT.get(code, Milestone.OTHER), f"EQUIPMENT/{code}"
    doc = _text(ev, ("documentTypeCode",)) or _text(ev, ("shipmentInformationTypeCode",))
    if doc is None:
        raise FieldError(("documentTypeCode",), "is required for a SHIPMENT event")
    original = f"SHIPMENT/{code}/{doc.upper()}"
    if len(original) > MAX_CODE:
        raise FieldError(("documentTypeCode",), "is not a document type code (too long)")
    if doc.upper() in _CUSTOMS_DOCUMENTS and code in _SHIPMENT_CUSTOMS:
        return _SHIPMENT_CUSTOMS[code], original
    return Milestone.OTHER, original


def _transport_call(ev: dict[str, Any], *, required: bool) -> dict[str, Any] | None:
    call = ev.get("transportCall")
    if call is None:
        if required:
            raise FieldError(("transportCall",), "is required for a TRANSPORT event")
        return None
    if not isinstance(call, dict):
        raise FieldError(("transportCall",), f"expected an object, got {json_kind(call)}")
    vessel = call.get("vessel")
    if vessel is not None and not isinstance(vessel, dict):
        raise FieldError(("transportCall", "vessel"), f"expected an object, got {json_kind(vessel)}")
    return call


def _locode(ev: dict[str, Any], path: Path) -> str | None:
    value = _text(ev, path)
    if value is None:
        return None
    if problem := check_locode(value.upper()):
        raise FieldError(path, problem)
    return value.upper()


def _port(ev: dict[str, Any], call: dict[str, Any] | None) -> str | None:
    """Where the event happened: the event's own location first (an equipment event may be at a
    depot away from the call), then the transport call's."""
    return _locode(ev, ("eventLocation", "UNLocationCode")) or _call_locode(ev, call)


def _call_locode(ev: dict[str, Any], call: dict[str, Any] | None) -> str | None:
    if call is None:
        return None
    return _locode(ev, ("transportCall", "UNLocationCode")) or _locode(
        ev, ("transportCall", "location", "UNLocationCode")
    )


# --- references ----------------------------------------------------------------------------


def _refs(ev: dict[str, Any], call: dict[str, Any] | None, flags: list[str]) -> tuple[Ref, ...]:
    found: list[Ref] = []

    def add(kind: RefKind, key: str, path: Path) -> None:
        ref = make_ref(kind, key, path)
        if ref not in found:
            found.append(ref)

    for kind, value, path in _document_refs(ev):
        add(kind, bl_key(value), path)
    for value, path in _equipment_refs(ev):
        key = container_key(value)
        if (problem := check_container(key)) and problem not in flags:
            flags.append(problem)  # real feeds carry bad check digits: keep, flag, never fix
        add(RefKind.CONTAINER, key, path)
    if call is not None:
        for key in _call_keys(ev, call, flags):
            add(RefKind.TRANSPORT_CALL, key, ("transportCall",))
    return tuple(found)


def _pairs(ev: dict[str, Any], name: str, kind_key: str, value_key: str) -> list[tuple[str, str, Path]]:
    """``[{"<kind_key>": "BKG", "<value_key>": "ABC"}]`` lists, validated, with their paths."""
    items = ev.get(name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise FieldError((name,), f"expected an array, got {json_kind(items)}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise FieldError((name, i), f"expected an object, got {json_kind(item)}")
        kind = _text(ev, (name, i, kind_key), required=True)
        value = _text(ev, (name, i, value_key), required=True)
        out.append((str(kind).upper(), str(value), (name, i, value_key)))
    return out


def _document_refs(ev: dict[str, Any]) -> list[tuple[RefKind, str, Path]]:
    out = []
    docs = _pairs(ev, "documentReferences", "documentReferenceType", "documentReferenceValue")
    # 2.2 `references` has no BKG/TRD types, but some publishers put them there
    refs = _pairs(ev, "references", "referenceType", "referenceValue")
    for kind, value, path in docs + refs:
        if kind in _DOCUMENT_REFS:
            out.append((_DOCUMENT_REFS[kind], value, path))
    doc_type = (_text(ev, ("documentTypeCode",)) or "").upper()
    document_id = _text(ev, ("documentID",))
    if document_id and doc_type in _DOCUMENT_REFS:  # a SHIPMENT event about a B/L or booking
        out.append((_DOCUMENT_REFS[doc_type], document_id, ("documentID",)))
    return out


def _equipment_refs(ev: dict[str, Any]) -> list[tuple[str, Path]]:
    out = []
    if reference := _text(ev, ("equipmentReference",)):
        out.append((reference, ("equipmentReference",)))
    for kind, value, path in _pairs(ev, "references", "referenceType", "referenceValue"):
        if kind == "EQ":
            out.append((value, path))
    return out


def _call_keys(ev: dict[str, Any], call: dict[str, Any], flags: list[str]) -> list[str]:
    locode = _call_locode(ev, call)
    imo = _text(ev, ("transportCall", "vessel", "vesselIMONumber"))
    name = _text(ev, ("transportCall", "vessel", "vesselName"))
    call_id = _text(ev, ("transportCall", "transportCallID")) or _text(ev, ("transportCallID",))
    voyages = [v for v in (_text(ev, ("transportCall", f)) for f in
               ("importVoyageNumber", "exportVoyageNumber")) if v]  # fmt: skip
    if not voyages and (carrier := _text(ev, ("transportCall", "carrierVoyageNumber"))):
        voyages = [carrier]
    if imo and (problem := check_imo(imo)):
        flags.append(problem)  # like containers: kept, so the call still links
    key: Callable[[str], str] | None = None
    if imo:
        key = lambda voyage: vessel_call_key(imo, voyage, str(locode))  # noqa: E731
    elif name:
        key = lambda voyage: f"{bl_key(name)}/{bl_key(voyage)}/{locode}"  # noqa: E731
    if key is not None and voyages and locode:
        return list(dict.fromkeys(key(v) for v in voyages))
    return [f"DCSA-TC/{call_id}"] if call_id else []


# --- attributes ----------------------------------------------------------------------------


def _attrs(ev: dict[str, Any], call: dict[str, Any] | None, event_type: str, code: str,
           flags: list[str]) -> dict[str, Any]:  # fmt: skip
    """The useful rest, under DCSA's own field names (not the whole event: too big)."""
    attrs: dict[str, Any] = {"eventType": event_type, "eventTypeCode": code}
    _copy(attrs, ev, _EVENT_ATTRS)
    remark = ev.get("changeRemark") or ev.get("vesselScheduleChangeRemark")
    if isinstance(remark, str):
        attrs["changeRemark"] = remark
    if code in _INSPECTION and event_type == "EQUIPMENT":
        attrs["inspection"] = _INSPECTION[code]
    if call is not None:
        _copy(attrs, call, _CALL_ATTRS)
        vessel = call.get("vessel") or {}
        _copy(attrs, vessel, ("vesselIMONumber", "vesselName", "vesselFlag"))
    if "transportCallID" not in attrs:
        _copy(attrs, ev, ("transportCallID",))  # deprecated top-level copy
    location = ev.get("eventLocation")
    if isinstance(location, dict):
        _copy(attrs, location, ("locationName",))
    if seals := _seals(ev.get("seals")):
        attrs["seals"] = seals
    if others := _other_references(ev):
        attrs["references"] = others
    if flags:
        attrs["flags"] = flags
    return attrs


def _copy(attrs: dict[str, Any], source: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        value = source.get(name)
        if isinstance(value, str | int | float | bool) and value != "":
            attrs[name] = value


def _seals(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    keys = ("sealNumber", "sealSource", "sealType")
    return [
        {k: seal[k] for k in keys if isinstance(seal.get(k), str)}
        for seal in value
        if isinstance(seal, dict) and isinstance(seal.get("sealNumber"), str)
    ]


def _other_references(ev: dict[str, Any]) -> dict[str, list[str]]:
    """Shipper/forwarder references (FF, SI, PO, CR, AAO): not linking keys, but what a trader
    searches by."""
    out: dict[str, list[str]] = {}
    for kind, value, _path in _pairs(ev, "references", "referenceType", "referenceValue"):
        if kind != "EQ" and kind not in _DOCUMENT_REFS:
            out.setdefault(kind, []).append(value)
    return out
