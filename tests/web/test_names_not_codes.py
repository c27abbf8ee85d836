"""Every page, as each demo login sees it, names ports, customs districts, regions, organisations
and milestones in the page's language; a code shows only as secondary text (``<small class="code">``,
``<code>``) beside the name, never bare where Kouan knows the name (issue 14, item 5)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from tests.factories import _csrf_from

from kouan.clearance import service as clearance_service
from kouan.db.session import transaction
from kouan.demo import portal as demo_portal
from kouan.demo import service as demo_service
from kouan.events.domain import MILESTONE_NAMES
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

SECONDARY = re.compile(r'<(small|span) class="code">.*?</\1>|<code>.*?</code>|<script.*?</script>|'
                       r"<style.*?</style>|<title>.*?</title>", re.S)
AFTER_A_NAME = re.compile(r"\((CN[A-Z]{3}|CN-[A-Z]{2}|\d{4})\)")  # 大连 (CNDAL): the code as secondary text
TAG = re.compile(r"<[^>]+>")
EXTRA = ("/dashboard/declarations?region=CN-LN&from=2022-03&to=2022-03&direction=I",
         "/bulletins", "/bulletins/CN-LN/2022-03", "/orgs")


@pytest.fixture
def demo(kouan):  # type: ignore[no-untyped-def]
    if kouan.engine.dialect.name != "sqlite":
        pytest.skip("one backend is enough for what the pages say")
    actor = system("tests")
    with transaction(kouan.sessions, actor=actor) as s:
        logins = demo_service.load(s, actor=actor, now=utcnow())
    demo_service.load_events(kouan.sessions, now=utcnow(), scale=0.02)
    with transaction(kouan.sessions, actor=actor) as s:
        demo_portal.load(s, now=utcnow())
    with transaction(kouan.sessions, actor=actor) as s:
        clearance_service.rebuild(s, now=utcnow())
    return logins


# A person's or an organisation's name is what it is, even when it holds its code ("COSCO Shipping").
PEOPLE = tuple(p.display_name for p in demo_service.PEOPLE) + tuple(
    sorted({n for o in demo_service.ORGS for n in (o.name, o.name_en)}, key=len, reverse=True))


def bare_codes(page: str, codes: dict[str, re.Pattern]) -> list[str]:
    body = page.split("<main", 1)[-1]  # the page's content (the header names the person)
    text = AFTER_A_NAME.sub(" ", html_lib.unescape(TAG.sub(" ", SECONDARY.sub(" ", body))))
    for name in PEOPLE:
        text = text.replace(name, " ")
    return [f"{kind}: {m.group(0)!r} in …{text[max(0, m.start() - 40):m.end() + 40]!r}…"
            for kind, pattern in codes.items() for m in pattern.finditer(text)]


def links(page: str, prefix: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'href="({prefix}[^"#]*)"', page)]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_page_shows_a_bare_code_where_a_name_exists(demo, client, lang):
    org_codes = sorted(o.code for o in demo_service.ORGS)
    codes = {
        "organisation": re.compile(rf"(?<![\w/-])({'|'.join(org_codes)})(?![\w/-])"),
        "port": re.compile(r"(?<![\w/-])CN[A-Z]{3}(?![\w/-])"),
        "district": re.compile(r"(?<![\w/.-])(0900|0800|2200)(?![\w/.-])"),
        "region": re.compile(r"(?<![\w/])CN-[A-Z]{2}(?![\w/])"),
        "milestone": re.compile(rf"(?<![\w/])({'|'.join(sorted(m.value for m in MILESTONE_NAMES))})(?![\w/])"),
    }
    seen, problems = 0, []
    for demo_login in demo:
        client.cookies.clear()
        client.get(f"/lang/{lang}")
        token = _csrf_from(client.get("/login").text)
        landed = client.post("/login", data={"username": demo_login.username, "password": demo_login.password,
                                             "csrf_token": token})
        assert landed.status_code == 200, demo_login.username
        nav = landed.text.split("<nav>")[1].split("</nav>")[0]
        pages = dict.fromkeys([str(landed.url.path), *links(nav, "/"), *EXTRA])
        for list_page in ("/declarations", "/customs/queue", "/appointments"):
            if list_page in pages:
                pages.update(dict.fromkeys(links(client.get(list_page).text, "/declarations/")[:2]))
        for path in [p for p in pages if p.startswith("/declarations/")]:
            pages.update(dict.fromkeys(links(client.get(path).text, "/consignments/")[:1]))
        for path in pages:
            if path in ("/docs", "/", "/declarations/new"):
                continue
            r = client.get(path)
            if r.status_code != 200:
                continue
            seen += 1
            problems += [f"{demo_login.username} {path}: {p}" for p in bare_codes(r.text, codes)]
    assert seen > 40
    unique = list(dict.fromkeys(p.split(": ", 1)[1].split(" in ")[0] + " @ " + p.split(":")[0].split(" ", 1)[1]
                                for p in problems))
    assert problems == [], "\n".join(unique[:60])
