"""Babel catalogs for the UI. zh-CN first, English second; msgids are English.

Catalogs are the ``.po`` files under ``kouan/translations``; they are compiled in memory at start,
so a fresh checkout needs no build step.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "kouan_lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


@cache
def translations(locale: str) -> NullTranslations:
    po = resources.files("kouan") / "translations" / locale / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def normalise(value: str | None) -> str | None:
    if not value:
        return None
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_CN"
    if v.startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header that Kouan speaks, by its q-values
    ("en-GB,en;q=0.9,zh;q=0.5" → en); None when it names none of them."""
    if not header:
        return None
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0 and (locale := normalise(tag.strip())):
            ranked.append((-q, i, locale))
    return min(ranked)[2] if ranked else None


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)
