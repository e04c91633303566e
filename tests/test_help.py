"""The guide in the app: each dashboard links to its team's guide, each guide lists the team's
shortcuts, every listed shortcut is wired in app.js or a template (and every wired key is
listed), the `?` dialog reads the same list; plus the favicon."""

import re
from pathlib import Path

import pytest

from app.auth.models import ROLES
from app.help.shortcuts import JS_KEY_NAMES, SHORTCUTS, TEAM_SCREENS, for_team

ROOT = Path(__file__).resolve().parents[1]
APP_JS = (ROOT / "static/js/app.js").read_text()
TEMPLATES = {p: p.read_text() for p in (ROOT / "templates").rglob("*.html")}
SOURCES = APP_JS + "".join(TEMPLATES.values())
DASHBOARDS = {"sales": "/sales/", "inventory": "/inventory/", "fulfillment": "/fulfillment/",
              "manager": "/manager/", "admin": "/admin/"}


def test_every_team_has_a_guide_and_a_dashboard():
    assert set(TEAM_SCREENS) == set(ROLES) == set(DASHBOARDS)


@pytest.mark.parametrize("team", ROLES)
def test_each_dashboard_links_to_its_guide(client, login, team):
    login(team)
    page = client.get(DASHBOARDS[team]).get_data(as_text=True)
    assert re.search(rf'<a class="guide-link" href="/help/{team}" data-guide-link>', page)
    # the `?` dialog links to the same guide
    dialog = page[page.index('<dialog id="shortcuts"'):]
    assert f'href="/help/{team}" data-guide-link>The guide for your team' in dialog


@pytest.mark.parametrize("team", ROLES)
def test_guide_says_what_the_team_does_its_sop_steps_and_its_shortcuts(client, login, team):
    login("manager" if team != "admin" else "admin")
    response = client.get(f"/help/{team}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "What this team does" in page and "SOP steps it serves" in page
    assert re.search(r"<dt>[3-6](\.\d)?</dt>", page), "cites SOP section numbers"
    keys = page[page.index('id="shortcuts-list"'):page.index('<dialog')]
    listed = re.findall(r"<dd>([^<]+)</dd>", keys)
    expected = [s.what for _screen, items in for_team(team) for s in items]
    assert expected and listed == expected


def test_sales_guide_has_the_desk_keys_and_not_the_warehouse_ones(client, login):
    login("sales")
    page = client.get("/help/sales").get_data(as_text=True)
    for keys in ("<kbd>n</kbd>", "<kbd>Alt+A</kbd>", "<kbd>Alt+R</kbd>", "<kbd>Alt+W</kbd>", "<kbd>?</kbd>"):
        assert keys in page
    assert "Count one scan as that many units" not in page


def test_every_listed_shortcut_is_wired():
    for s in SHORTCUTS:
        for code in s.wired_by:
            assert code in SOURCES, f"{'+'.join(s.keys)} ({s.what}): {code!r} is in neither app.js nor a template"


def test_every_wired_key_is_listed():
    listed = {k for s in SHORTCUTS for k in s.keys}
    wired = set(re.findall(r'event\.key === "([^"]+)"', APP_JS))
    for text in TEMPLATES.values():
        wired |= set(re.findall(r'data[-_]shortcut(?:[-_]focus)?="([^"{]+)"', text))
        wired |= set(re.findall(r'aria[-_]keyshortcuts="([^"{]+)"', text))
    wired = {JS_KEY_NAMES.get(k, k) for k in wired}
    assert wired and wired - listed == set(), f"keys that work but are in no guide: {sorted(wired - listed)}"


def test_the_shortcuts_dialog_lists_the_screens_own_keys(client, login, make_order):
    login("sales")
    draft = make_order()
    dialog = client.get(f"/sales/orders/{draft.ref}/edit").get_data(as_text=True).split('<dialog id="shortcuts"')[1]
    for text in ("Go to an order by number", "Search all orders", "Customer ref. (PO)", "Review the order",
                 "The list of shortcuts"):
        assert text in dialog


def test_help_index_opens_the_guide_of_the_users_first_role(client, login):
    login("fulfillment")
    response = client.get("/help/")
    assert response.status_code == 302 and response.headers["Location"] == "/help/fulfillment"


def test_anyone_logged_in_may_read_any_teams_guide_and_no_other(client, login):
    login("inventory")
    assert client.get("/help/manager").status_code == 200
    assert client.get("/help/nobody").status_code == 404


@pytest.mark.parametrize("url", ["/help/", "/help/sales"])
def test_guide_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_favicon_for_anonymous_visitors_and_linked_from_every_page(client, login):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon" and response.data[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in response.headers["Cache-Control"]
    login_page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', login_page)
    assert link
    svg = client.get(link.group(1))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
