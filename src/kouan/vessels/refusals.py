"""Why a vessel's entry clearance refuses a request: a stable code and its parameters, as for
declarations (``kouan.declarations.refusals``): the API returns ``code`` / ``params`` beside the
English ``detail``; a page translates the template and the parameters that are vocabulary codes
(an agency). Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kouan.declarations import refusals as declaration_refusals


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


MESSAGES: dict[str, str] = {
    "transport_call_invalid": N_("IMO/VOYAGE/LOCODE with a valid IMO number"),
    "transport_call_port": N_("the call's port is %(call_port)s, not %(port)s"),
    "port_unknown": N_("unknown UN/LOCODE"),  # the same code and words as a declaration's port
    "entry_declared": N_("the entry of %(transport_call)s is already declared"),
    "check_done": N_("the %(agency)s check was done at %(done_at)s"),
    "not_the_carrier": N_("only the carrier of %(transport_call)s declares its entry: a line of the call's "
                          "port whose own events name the call (or the port office declares it)"),
}

# Parameters that hold vocabulary codes, and the words that name their values (pages translate them).
AGENCY_NAMES: dict[str, str] = {
    "customs": N_("customs"), "border_inspection": N_("border inspection"),
    "maritime": N_("maritime authority"),
}
NAMED_PARAMS: dict[str, dict[str, str]] = {"agency": AGENCY_NAMES}


@dataclass(frozen=True)
class Refusal(declaration_refusals.Refusal):
    def render(self, translate: Callable[[str], str] = str, sep: str = ", ") -> str:
        """The message in the language of ``translate`` (English by default)."""
        values = {k: translate(NAMED_PARAMS[k].get(str(v), str(v))) if k in NAMED_PARAMS else str(v)
                  for k, v in self.params.items()}
        return translate(MESSAGES[self.code]) % values


class CodedFieldError(declaration_refusals.CodedFieldError):
    refusal_type = Refusal


field_error = CodedFieldError.of


def problem(code: str, **params: Any) -> tuple[str, dict[str, Any]]:
    """A refusal's English detail and the problem's ``extra`` (``code`` and ``params``)."""
    return Refusal(code, params).english, {"code": code, "params": params}
