"""One front end, not four: every page extends base.html (language, favicon, theme.css, base.css, api.js); colours
are written only in theme.css, once each, and the statistics' SVG charts and the favicon draw with them; one fetch
wrapper and one ownLanguage (api.js) serve every page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Error, Response
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.web.stats import charts
from queue_server.web.templating import THEME_CSS, client_folder, parse_theme, theme
from tests.conftest import MORNING
from tests.server_process import ServerProcess

WEB = THEME_CSS.parent.parent
STATIC = [WEB / "static", *(client_folder(c) / "static" for c in ("display_client", "caller_pad"))]
TEMPLATES = [WEB / "templates", *(client_folder(c) / "templates" for c in ("display_client", "caller_pad"))]
SHEETS = sorted(p for folder in STATIC for p in folder.glob("*.css") if p != THEME_CSS)
SCRIPTS = sorted(p for folder in STATIC for p in folder.glob("*.js"))
PAGES = sorted(p for folder in TEMPLATES for p in folder.glob("*.html"))
API_JS = WEB / "static" / "api.js"

THEME = "/static/queue_server/theme.css"
BASE = "/static/queue_server/base.css"
ICON = "/static/queue_server/favicon.svg"
API = "/static/queue_server/api.js"

# Each page: its path under the demo hall (the phone page's is a ticket's), its own stylesheets and scripts.
PAGE_ASSETS: dict[str, tuple[list[str], list[str]]] = {
    "/kiosk/demo": (
        [
            "/static/queue_server/kiosk.css",
            "/static/queue_server/kiosk-booking.css",
            "/static/queue_server/kiosk-elder.css",
            "/static/queue_server/ticket-print.css",
        ],
        [
            "/static/queue_server/feed.js",
            "/static/queue_server/kiosk-text.js",
            "/static/queue_server/kiosk.js",
            "/static/queue_server/kiosk-elder.js",
        ],
    ),
    "/book/demo": (["/static/queue_server/book.css"], ["/static/queue_server/book.js"]),
    "/stats/demo": (["/static/queue_server/stats.css"], ["/static/queue_server/stats.js"]),
    "/display/demo": (
        ["/static/display_client/hall.css"],
        ["/static/queue_server/feed.js", "/static/display_client/hall-state.js", "/static/display_client/hall.js"],
    ),
    "/window/demo/3": (
        ["/static/display_client/window.css"],
        ["/static/queue_server/feed.js", "/static/display_client/hall-state.js", "/static/display_client/window.js"],
    ),
    "/caller/demo": (
        ["/static/caller_pad/caller.css"],
        [
            "/static/queue_server/feed.js",
            "/static/caller_pad/caller_text.js",
            "/static/caller_pad/caller_state.js",
            "/static/caller_pad/caller_queue.js",
            "/static/caller_pad/caller.js",
        ],
    ),
    "/guide/demo": (
        ["/static/queue_server/guide.css", "/static/queue_server/ticket-print.css"],
        ["/static/queue_server/guide.js"],
    ),
    "/supervise/demo": (
        ["/static/queue_server/desk-session.css", "/static/queue_server/supervise.css"],
        ["/static/queue_server/feed.js", "/static/queue_server/desk-session.js", "/static/queue_server/supervise.js"],
    ),
    "/rota/demo": (
        [
            "/static/queue_server/desk-session.css",
            "/static/queue_server/desk-page.css",
            "/static/queue_server/rota.css",
            "/static/queue_server/rota_time_off.css",
        ],
        [
            "/static/queue_server/desk-session.js",
            "/static/queue_server/rota_time_off.js",
            "/static/queue_server/rota.js",
        ],
    ),
    "/lieu/demo": (
        [
            "/static/queue_server/desk-session.css",
            "/static/queue_server/desk-page.css",
            "/static/queue_server/lieu.css",
        ],
        ["/static/queue_server/desk-session.js", "/static/queue_server/lieu.js"],
    ),
    "/recognition/demo": (
        [
            "/static/queue_server/desk-session.css",
            "/static/queue_server/desk-page.css",
            "/static/queue_server/recognition.css",
        ],
        ["/static/queue_server/desk-session.js", "/static/queue_server/recognition.js"],
    ),
    "/staffing/demo": (
        [
            "/static/queue_server/desk-session.css",
            "/static/queue_server/desk-page.css",
            "/static/queue_server/staffing.css",
        ],
        ["/static/queue_server/desk-session.js", "/static/queue_server/staffing.js"],
    ),
    "/backoffice/demo": (
        ["/static/queue_server/desk-session.css", "/static/queue_server/backoffice.css"],
        ["/static/queue_server/feed.js", "/static/queue_server/desk-session.js", "/static/queue_server/backoffice.js"],
    ),
    "/city": (
        ["/static/queue_server/desk-session.css", "/static/queue_server/city.css"],
        ["/static/queue_server/city.js"],
    ),
    "/api/docs": (["/static/queue_server/api.css"], []),
    "/t/{ticket}": (
        ["/static/queue_server/phone.css"],
        ["/static/queue_server/feed.js", "/static/queue_server/phone-rating.js", "/static/queue_server/phone.js"],
    ),
}

HEX = re.compile(r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})\b")
COLOUR_FUNCTION = re.compile(r"\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix)\(", re.I)
NAMED = re.compile(
    r"\b(?:white|black|red|green|blue|yellow|orange|gr[ae]y|silver|navy|teal|maroon|purple|pink|brown|gold)\b", re.I
)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;{}]+)")


class Tags(HTMLParser):
    """The tags of a page that matter here, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.stylesheets: list[str] = []
        self.icons: list[str] = []
        self.scripts: list[str] = []
        self.inline_styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"] or "")
        if tag == "link" and a.get("rel") == "icon":
            self.icons.append(a["href"] or "")
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        if tag == "style" or "style" in a:
            self.inline_styles.append(tag)


@pytest.fixture
def client(redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    sync = Redis.from_url(redis_url)
    sync.flushall()
    sync.close()
    app = create_app(load_halls(config_dir), redis_url, Clock(MORNING), "supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


def page_path(client: TestClient, path: str) -> str:
    if "{ticket}" in path:
        ticket = client.post("/api/halls/allday/tickets", json={"service": "A"}).json()
        return path.format(ticket=ticket["id"])
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", list(PAGE_ASSETS))
def test_every_page_has_the_one_frame(client: TestClient, path: str, lang: str) -> None:
    answer = client.get(page_path(client, path), params={"lang": lang})
    assert answer.status_code == 200
    tags = Tags()
    tags.feed(answer.text)
    assert answer.text.startswith("<!doctype html>")
    assert tags.html_lang == ("en" if lang == "en" else "zh-CN")
    assert tags.icons == [ICON]
    sheets, scripts = PAGE_ASSETS[path]
    # The palette first, then what every page shares, then the page's own sheets, which only name the palette.
    assert tags.stylesheets == [THEME, BASE, *sheets]
    # The one API helper before any of the page's scripts.
    assert tags.scripts == [API, *scripts]
    assert tags.inline_styles == [], "styles belong in the stylesheets, colours in theme.css"
    for asset in [ICON, *tags.stylesheets, *tags.scripts]:
        assert client.get(asset).status_code == 200, asset


def test_the_phone_page_for_an_unknown_ticket_has_the_frame_too(client: TestClient) -> None:
    answer = client.get("/t/nothing-here")
    assert answer.status_code == 404
    tags = Tags()
    tags.feed(answer.text)
    assert (tags.html_lang, tags.icons, tags.stylesheets) == (
        "zh-CN",
        [ICON],
        [THEME, BASE, PAGE_ASSETS["/t/{ticket}"][0][0]],
    )
    assert "找不到这张排队号" in answer.text


@pytest.mark.parametrize("template", PAGES, ids=lambda p: p.name)
def test_every_page_template_extends_base(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    if template.name == "base.html":
        assert THEME in text and BASE in text and ICON in text and API in text
        return
    # directly, or through desk_page.html (the supervisors' month, quarter and day pages), which extends it
    assert re.search(r'{% extends "(base|desk_page)\.html" %}', text), f"{template.name} extends neither"
    for frame in ("<!doctype", "<html", "<head>", "<meta charset", THEME, BASE, API):
        assert frame not in text, f"{template.name} repeats {frame!r}: that is base.html's"


def colour_literals(text: str) -> list[str]:
    return HEX.findall(text) + COLOUR_FUNCTION.findall(text)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_only_theme_css_writes_colours_or_defines_custom_properties(sheet: Path) -> None:
    css = COMMENT.sub("", sheet.read_text(encoding="utf-8"))
    for prop, value in DECLARATION.findall(css):
        where = f"{sheet.name}: {prop}: {value.strip()}"
        assert not prop.startswith("--"), f"{where}: custom properties are defined in theme.css only"
        assert not colour_literals(value), f"{where}: name a colour of theme.css with var(--…)"
        assert not NAMED.search(value), f"{where}: name a colour of theme.css with var(--…)"


@pytest.mark.parametrize("file", [*SCRIPTS, *PAGES], ids=lambda p: p.name)
def test_scripts_and_templates_write_no_colours(file: Path) -> None:
    assert colour_literals(file.read_text(encoding="utf-8")) == []


def test_every_var_a_stylesheet_names_is_in_theme_css() -> None:
    defined = set(theme())
    for sheet in SHEETS:
        # var(--name, fallback) is a page's own knob (e.g. a column count set by a script), not a colour.
        for name in re.findall(r"var\(--([\w-]+)\)", sheet.read_text(encoding="utf-8")):
            assert name in defined, f"{sheet.name} names --{name}, which theme.css does not define"


def raw_colours(css: str) -> list[str]:
    """The literal colours theme.css writes (its raw palette), in order."""
    values = [value for _, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", COMMENT.sub("", css))]
    return [v.strip() for v in values if colour_literals(v)]


def test_theme_css_writes_each_colour_once_and_resolves() -> None:
    css = THEME_CSS.read_text(encoding="utf-8")
    colours = raw_colours(css)
    assert len(colours) == len(set(colours)), "a colour is written twice: name the first with var(--…)"
    for colour in colours:
        assert re.fullmatch(r"#[0-9a-f]{6}|rgba\(\d+, \d+, \d+, [\d.]+\)", colour), colour
    palette = theme()
    assert set(palette) >= {"brand", "ink", "muted", "paper", "card", "line", "chart-1", "chart-2", "font"}
    assert {palette[name] for name in palette if name != "font"} == set(colours)
    with pytest.raises(ValueError, match="not defined"):
        parse_theme(":root { --a: var(--b); }")


def chart_summary() -> dict[str, Any]:
    return {
        "arrivals_per_hour": {"09": 4, "10": 7},
        "waiting_per_hour": {"09": 1.5, "10": 3.0},
        "windows": [{"number": 1, "tidal": False, "busy_ratio": 0.6}, {"number": 5, "tidal": True, "busy_ratio": 0.3}],
        "categories": [{"code": "A", "name": "公安户政", "name_en": "ID cards", "wait_p50": 4.0, "wait_p90": 9.0}],
    }


def drawn_colours(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    found = set()
    for element in root.iter():
        for attribute in ("fill", "stroke", "stop-color", "color"):
            value = element.get(attribute)
            if value and value not in ("none", "currentColor"):
                found.add(value)
    return found


@pytest.mark.parametrize("name", charts.CHARTS)
def test_the_charts_draw_with_the_theme(name: str) -> None:
    palette = set(theme().values())
    for lang in ("zh", "en"):
        svg = charts.render_chart(name, chart_summary(), lang)
        colours = drawn_colours(svg)
        assert colours, "the chart draws in some colour"
        assert colours <= palette, f"{name} draws in {colours - palette}, which theme.css does not have"
        assert ET.fromstring(svg).get("font-family") == theme()["font"].replace('"', "'")
    assert theme()["chart-2"] == charts.ORANGE and theme()["chart-1"] == charts.BLUE


def test_the_favicon_is_an_svg_in_the_theme_colours() -> None:
    svg = (WEB / "static" / "favicon.svg").read_text(encoding="utf-8")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    colours = drawn_colours(svg)
    assert theme()["brand"] in colours
    assert colours <= set(theme().values())


def test_one_fetch_wrapper_and_one_own_language() -> None:
    for script in SCRIPTS:
        text = script.read_text(encoding="utf-8")
        if script == API_JS:
            assert text.count("fetch(") == 1 and "function ownLanguage(" in text
            continue
        assert "fetch(" not in text, f"{script.name} calls fetch itself: use TideApi.request"
        assert "XMLHttpRequest" not in text, script.name
        assert not re.search(r"function ownLanguage|ownLanguage\s*=", text), f"{script.name} has its own ownLanguage"
        assert "new ApiError(" not in text, f"{script.name} makes its own ApiError: TideApi.request does"


# --- in a real browser: the theme applies, every file loads ----------------------------------------------------


@pytest.mark.browser
@pytest.mark.process
def test_every_page_loads_its_frame_in_a_browser(browser: Browser, live_server: ServerProcess) -> None:
    ticket = live_server.take("A")
    palette = theme()

    def rgb(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgb({r}, {g}, {b})"

    backgrounds = {"/display/demo": palette["screen-bg"], "/window/demo/3": palette["screen-bg"]}
    failed: list[str] = []  # files answered with an error, and errors the pages raised

    def on_response(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    def on_error(error: Error) -> None:
        failed.append(str(error))

    for path in PAGE_ASSETS:
        page = browser.new_page()
        page.on("response", on_response)
        page.on("pageerror", on_error)
        page.goto(f"{live_server.url}{path.format(ticket=ticket['id'])}?lang=en")
        page.wait_for_load_state("load")
        assert failed == [], path
        assert page.evaluate("typeof window.TideApi.request") == "function"
        # What the server said, in the page's language (here English): message_en, or the English half.
        said = "[TideApi.ownLanguage({message: '暂停', message_en: 'Paused'}), TideApi.ownLanguage('暂停 / Paused')]"
        assert page.evaluate(said) == ["Paused", "Paused"]
        icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)")
        assert icon == 200
        brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
        assert brand == palette["brand"], path
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == rgb(backgrounds.get(path, palette["paper"])), path
        page.close()
