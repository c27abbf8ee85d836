"""The application shell: health, OpenAPI, problem documents, the bilingual home page."""

from babel.messages.extract import extract_from_dir
from tests.factories import login

from kouan.web import i18n


def test_healthz_answers_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}


def test_openapi_lists_the_api_v1_paths(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/organisations", "/api/v1/organisations/{org_id}/people",
              "/api/v1/organisations/{org_id}/api-keys", "/api/v1/api-keys/{key_id}/revoke",
              "/api/v1/ports", "/api/v1/ports/{locode}", "/api/v1/audit"):
        assert p in paths
    assert not any(p.startswith("/login") for p in paths)


def test_the_home_page_is_zh_cn_by_default(client):
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "通关物流评估" in r.text and "登录" in r.text


def test_the_english_switch_sticks(client):
    r = client.get("/lang/en?next=/")
    assert r.status_code == 200  # followed the redirect home
    assert '<html lang="en">' in r.text and "Clearance logistics evaluation" in r.text
    assert '<html lang="en">' in client.get("/").text
    assert '<html lang="zh-CN">' in client.get("/?lang=zh-CN").text


def test_unknown_api_paths_are_problem_documents(client):
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404


def test_unknown_pages_render_an_html_error(client):
    r = client.get("/nowhere", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "未找到" in r.text


def test_a_logged_in_person_gets_the_error_page_with_their_name(client, world):
    login(client, world.trader_a.admin)
    missing = client.get("/declarations/090020261000000999", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "未找到" in missing.text
    name = f"{world.trader_a.code} admin"
    assert name in missing.text  # the header still says who is logged in
    foreign = client.get(f"/orgs/{world.trader_b.id}", headers={"Accept": "text/html"})
    assert foreign.status_code in (403, 404) and name in foreign.text


def test_a_bad_query_parameter_names_it(client):
    r = client.get("/api/v1/ports?limit=0")
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "query:limit"


def test_every_ui_string_has_a_chinese_translation():
    import kouan

    root = kouan.__path__[0]
    method_map = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    zh = i18n.translations("zh_CN")
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        root, method_map, options, keywords={"_": None, "gettext": None, "N_": None}
    ):
        if isinstance(message, str) and zh.gettext(message) == message:
            missing.append(message)
    assert missing == [], "add these to translations/zh_CN/LC_MESSAGES/messages.po"


def test_the_navigation_fits_the_role(client, world):
    visitor = client.get("/").text.split("<nav>")[1].split("</nav>")[0]
    assert 'href="/"' in visitor and 'href="/bulletins"' in visitor and 'href="/orgs"' not in visitor
    login(client, world.trader_a.admin)
    trader = client.get("/dashboard").text.split("<nav>")[1].split("</nav>")[0]
    # Logged in, "home" is the dashboard: one link, not two; declarants follow their ship-side slots.
    assert 'href="/"' not in trader and 'href="/dashboard"' in trader
    assert 'href="/appointments"' in trader and 'href="/declarations"' in trader
    assert 'href="/customs/queue"' not in trader
