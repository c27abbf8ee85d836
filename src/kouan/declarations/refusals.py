"""Why a declaration step or draft is refused: a stable code and its parameters.

The API returns the code and the parameters (RFC 9457 ``code`` / ``params``) beside the English
``detail``; pages translate the template and the parameters that are vocabulary codes (a status, an
action, a mode…), so a zh-CN page never shows an English reason. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kouan.kit.errors import FieldError


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


MESSAGES: dict[str, str] = {
    # transitions
    "not_allowed": N_("'%(action)s' is not allowed when the declaration is %(status)s"),
    "advance_not_departed": N_(
        "an advance import declaration needs the vessel to have left its loading port"
    ),
    "advance_arrived": N_("the vessel has arrived: this is no longer an advance declaration"),
    "advance_goods_arrived": N_("the goods have arrived (运抵): this is no longer an advance declaration"),
    "advance_export_too_early": N_("an export may be declared in advance at most %(days)s days before 运抵"),
    "two_step_imports_only": N_("two-step declaration is for imports only"),
    "summary_needs_two_step": N_("a summary declaration is lodged only in the two-step mode"),
    "two_step_credit": N_("two-step declaration needs a consignee rated 一般信用 (general) or better"),
    "two_step_starts_with_summary": N_("a two-step declaration starts with its summary (lodge_summary)"),
    "conditional_removal_dishonest": N_("conditional removal is not open to a 失信 (dishonest) enterprise"),
    "conditional_removal_store": N_("conditional removal needs a destination store approved by customs"),
    "store_needs_conditional_removal": N_("a destination store is approved only for conditional removal"),
    "store_missing": N_("the declaration names no destination store"),
    "store_approved": N_("the store %(store)s is already approved"),
    "release_before_inspection_goods": N_(
        "release before inspection applies to ores, concentrates and crude oil only"
    ),
    "port_inspection_not_done": N_("port inspection is not done"),
    "port_release_mode": N_(
        "port release needs two-stage admission, conditional removal or release before inspection"
    ),
    "match_not_advance": N_("only an advance declaration is released on the arrival match"),
    "match_inspected": N_("an inspection was ordered: the release is the officer's, not automatic"),
    "match_not_arrived": N_("no arrival (or 运抵) has been matched yet"),
    "release_not_arrived": N_(
        "an advance declaration is released only once its arrival (or 运抵) is known, not on an estimate"
    ),
    "complete_not_lodged": N_("the complete declaration has not been lodged"),
    "inspection_without_cause": N_(
        "no inspection without cause (无因不查): cite a targeting rule hit, the recorded random draw or "
        "a written reason of at least %(chars)s characters"
    ),
    "lab_failed": N_("the conformity assessment (lab) failed: the goods may not be sold or used"),
    "no_open_obligation": N_("no obligation is open"),
    "obligations_open": N_("obligations still open: %(kinds)s"),
    "movement_needs_zone_port": N_("a supervised movement belongs to a zone-port direct declaration"),
    "movement_needs_seal": N_("the movement needs the seal number (letters and digits, at most 32)"),
    "movement_done": N_("the goods have already made their one movement under this declaration"),
    "movement_needs_containers": N_("the movement needs the declaration's containers"),
    "movement_not_arrived": N_(
        "zone-port direct goods are released once their movement has arrived at %(to_place)s"
    ),
    "ship_side_needs_appointment": N_(
        "ship-side pick-up / direct loading needs a booked appointment before the goods are released"
    ),
    "second_declaration": N_(
        "these goods already move under zone-port direct declaration %(number)s: "
        "no second declaration is needed or accepted"
    ),
    # drafts
    "hs_code_invalid": N_("HS code: %(problem)s"),
    "uscc_invalid": N_("USCC: %(problem)s"),
    "container_invalid": N_("container: %(problem)s"),
    "items_missing": N_("a declaration has at least one item"),
    "description_missing": N_("describe the goods"),
    "number_positive": N_("a number greater than 0"),
    "number_not_negative": N_("a number, 0 or more"),
    "number_too_many_digits": N_("at most %(limit)s digits before the decimal point"),
    "number_too_many_places": N_("at most %(limit)s decimal places"),
    "number_too_many_significant": N_("at most %(limit)s significant digits"),
    "total_too_large": N_("the items' total value has more than %(limit)s digits before the decimal point"),
    "currency_invalid": N_("an ISO 4217 code such as CNY or USD"),
    "origin_invalid": N_("an ISO 3166 country code such as AU"),
    "direction_invalid": N_("I (import) or E (export)"),
    "mode_invalid": N_("one of %(choices)s"),
    "port_unknown": N_("unknown UN/LOCODE"),
    "port_without_district": N_("no customs district supervises this port in Kouan"),
    "warehouse_missing": N_("conditional removal names its destination store"),
    "zone_missing": N_("zone-port direct names the bonded zone"),
    "zone_unknown": N_("unknown bonded zone code; at this port: %(choices)s"),
    "zone_port_needs_containers": N_("zone-port direct moves containers: name them"),
    "ship_side_needs_advance": N_("ship-side pick-up / direct loading needs advance declaration"),
    # appointments
    "appointment_needs_ship_side": N_("appointments are booked for ship-side pick-up / direct loading"),
    "appointment_exists": N_("appointment %(reference)s is already booked for this declaration"),
    "slot_order": N_("the slot must end after it starts"),
    "slot_too_long": N_("a slot lasts at most %(hours)s hours"),
    "slot_past": N_("the slot has already ended"),
    "terminal_unknown": N_("no terminal with this code"),
    "terminal_elsewhere": N_("the terminal is not at the declaration's port %(port)s"),
    "container_not_declared": N_("container %(container)s is not on the declaration"),
    "appointment_not_booked": N_("the appointment is %(status)s"),
    "appointment_before_release": N_("the goods are not released yet: no pick-up or loading before release"),
    "appointment_not_terminal": N_("only the terminal of the appointment records its use"),
}

# Parameters that hold vocabulary codes: pages translate them too (lists item by item).
TRANSLATED_PARAMS = frozenset({"action", "status", "kinds"})


@dataclass(frozen=True)
class Refusal:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str, sep: str = ", ") -> str:
        """The message in the language of ``translate`` (English by default)."""
        values = {
            k: _value(v, translate if k in TRANSLATED_PARAMS else str, sep) for k, v in self.params.items()
        }
        return translate(MESSAGES[self.code]) % values

    @property
    def english(self) -> str:
        return self.render()


def _value(v: Any, translate: Callable[[str], str], sep: str) -> str:
    if isinstance(v, list | tuple):
        return sep.join(translate(str(x)) for x in v)
    return translate(str(v))


@dataclass
class CodedFieldError(FieldError):
    """A field error with a stable code and parameters (the API adds them, pages translate them)."""

    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    refusal_type: ClassVar[type[Refusal]] = Refusal  # another domain's messages: a subclass sets it

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["code"] = self.code
        if self.params:
            out["params"] = self.params
        return out

    @property
    def refusal(self) -> Refusal:
        return self.refusal_type(self.code, self.params)

    def say(self, translate: Callable[[str], str]) -> str:
        return self.refusal.render(translate)

    @classmethod
    def of(cls, pointer: str, code: str, value: Any = None, **params: Any) -> CodedFieldError:
        """The error at ``pointer`` with ``code``; ``value`` (when given) is also a parameter."""
        if value is not None:
            params.setdefault("value", value)
        return cls(pointer, cls.refusal_type(code, params).english, value, code, params)


field_error = CodedFieldError.of
