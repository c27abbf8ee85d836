"""Names where codes were: a port, customs district, region or organisation as people read it.

Pages show the name in their language with the code after it as secondary text
(``大连 <small class="code">CNDAL</small>``); a code with no known name shows as itself. One
``Names`` per rendered page, looked up in the store on first use (``templating.render`` puts it in
every template as ``names``): ``{{ names.port(d.port) }}``, ``names.district``, ``names.region``,
``names.org`` (an organisation by its code: the ``source`` of its events).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kouan.web.vocabulary import N_

PORTAL = N_("Kouan portal")  # the source "kouan": what was lodged and decided in Kouan itself


@cache
def _regions() -> dict[str, tuple[str, str]]:
    """The provinces' names (the reference file ``clearance.bulletins.region_names`` reads too;
    read here, so that the templating layer imports no feature)."""
    import csv
    from importlib import resources

    text = resources.files("kouan.reference").joinpath("provinces.csv").read_text("utf-8")
    return {**{r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(text.splitlines())},
            "CN": ("全国", "China")}


def labelled(name: str | None, code: str | None) -> Markup:
    """``name <small class="code">code</small>``; the code alone when there is no name."""
    if not code:
        return Markup("")
    if not name or name == code:
        return Markup('<span class="code">{}</span>').format(code)
    return Markup('{} <small class="code">{}</small>').format(name, code)


class Names:
    def __init__(self, sessions: sessionmaker[Session] | None, locale: str) -> None:
        self._sessions = sessions
        self._zh = locale == "zh_CN"
        self._locale = locale
        self._cache: dict[str, dict[str, str]] = {}

    def _table(self, kind: str, load: Callable[[Session], dict[str, str]]) -> dict[str, str]:
        if kind not in self._cache:
            if self._sessions is None:
                self._cache[kind] = {}
            else:
                with self._sessions() as session:
                    self._cache[kind] = load(session)
        return self._cache[kind]

    def _pick(self, zh: str | None, en: str | None) -> str:
        return (zh or en or "") if self._zh else (en or zh or "")

    def port_name(self, code: str | None) -> str:
        from kouan.ports.models import Port

        table = self._table("port", lambda s: {
            c: self._pick(zh, en) for c, zh, en in s.execute(select(Port.locode, Port.name_zh, Port.name))})
        return table.get(code or "", "")

    def district_name(self, code: str | None) -> str:
        from kouan.ports.models import CustomsDistrict as D

        table = self._table("district", lambda s: {
            c: self._pick(zh, en) for c, zh, en in s.execute(select(D.code, D.name_zh, D.name_en))})
        return table.get(code or "", "")

    def org_name(self, code: str | None) -> str:
        from kouan.partners.models import Organisation as O

        table = self._table("org", lambda s: {
            c: self._pick(zh, en) for c, zh, en in s.execute(select(O.code, O.name, O.name_en))})
        return table.get(code or "", "")

    def region_name(self, code: str | None) -> str:
        zh, en = _regions().get(code or "", ("", ""))
        return self._pick(zh, en)

    def port(self, code: str | None) -> Markup:
        return labelled(self.port_name(code), code)

    def district(self, code: str | None) -> Markup:
        return labelled(self.district_name(code), code)

    def org(self, code: str | None) -> Markup:
        if code == "kouan":  # Kouan's own portal: declarations and appointments made in Kouan
            return Markup(escape(self.portal_name))
        return labelled(self.org_name(code), code)

    def region(self, code: str | None) -> Markup:
        return labelled(self.region_name(code), code)

    @property
    def portal_name(self) -> str:
        from kouan.web import i18n

        return i18n.gettext(self._locale, PORTAL)
