"""Every keyboard shortcut, in one list. The `?` dialog (base.html and the screens' own
`shortcuts` blocks) and the team guides render from it; tests/test_help.py checks that each
entry is wired where it says (`wired_by`: text found in static/js/app.js or a template) and
that no key wired there is missing here, so the lists cannot drift from what the keys do."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]  # what to press, each shown as a <kbd>, in order ("j", "k")
    what: str
    screen: str  # a SCREENS key: where the keys work
    wired_by: tuple[str, ...]  # the code that makes them work (app.js or a template)
    joiner: str = " / "  # how the keys read together: alternatives, or "–" for a range
    teams: tuple[str, ...] = ()  # only for these teams' guides (empty: every team that sees the screen)


ORDER_TEAMS = ("sales", "inventory", "fulfillment", "manager")

SCREENS = {
    "everywhere": "Every page",
    "lists": "Lists (dashboards, customers, products, mail, users)",
    "sales": "Sales desk",
    "entry": "Taking an order (the draft)",
    "review": "Reviewing a draft before submitting",
    "order": "An order's page",
    "ready": "Fulfillment: ready to pick",
    "picking": "Picking an order",
    "deliveries": "Manager: awaiting delivery",
}

SHORTCUTS = (
    Shortcut(("g",), "Go to an order by number", "everywhere", ('data-shortcut-focus="g"',), teams=ORDER_TEAMS),
    Shortcut(("/",), "Search all orders: number, customer, PO, SKU, dates", "everywhere", ('data-shortcut-focus="/"',),
             teams=ORDER_TEAMS),
    Shortcut(("1", "5"), "Open your dashboards, in the order of the top bar", "everywhere",
             ('data-shortcut="{{ loop.index }}"',), joiner="–"),
    Shortcut(("Esc",), "Leave the field you are typing in (then the keys work again)", "everywhere",
             ('event.key === "Escape" && typing(event.target)',)),
    Shortcut(("?",), "The list of shortcuts", "everywhere", ('event.key === "?"',)),
    Shortcut(("j", "k"), "Next / previous row", "lists", ('event.key === "j"', 'event.key === "k"')),
    Shortcut(("Enter",), "Open the row marked by j / k", "lists", ('event.key === "Enter") openCursor()',)),
    Shortcut(("[", "]"), "Previous / next page", "lists", ('event.key === "]" || event.key === "["',)),
    Shortcut(("n",), "New order", "sales", ('data-shortcut="n"',)),
    Shortcut(("↓", "↑"), "Move through the customer or product results; Enter takes the marked one",
             "entry", ('event.key === "ArrowDown" || event.key === "ArrowUp"',)),
    Shortcut(("Alt+P",), "Customer ref. (PO)", "entry", ('aria_keyshortcuts="Alt+P"',)),
    Shortcut(("Alt+I",), "Instructions", "entry", ('aria_keyshortcuts="Alt+I"',)),
    Shortcut(("Alt+W",), "Requested date (when wanted)", "entry", ('aria_keyshortcuts="Alt+W"',)),
    Shortcut(("Alt+A",), "Acknowledge every check shown", "entry", ('aria-keyshortcuts="Alt+A"',)),
    Shortcut(("Alt+R",), "Review the order", "entry", ('aria-keyshortcuts="Alt+R"',)),
    Shortcut(("Alt+A",), "Acknowledge every check shown", "review", ('aria-keyshortcuts="Alt+A"',)),
    Shortcut(("a",), "Amend the order", "order", ('data-shortcut="a"',), teams=("sales", "manager")),
    Shortcut(("x",), "Tick the row marked by j / k (then Enter on the button)", "ready", ('event.key === "x"',)),
    Shortcut(("x",), "Tick the row marked by j / k", "deliveries", ('event.key === "x"',)),
    Shortcut(("scan", "number", "Enter"), "Count one scan as that many units (each scan alone adds 1)",
             "picking", ("data-scan-input", 'name="last_count"'), joiner=" then "),
)

# Which screens each team's guide covers, in the order the guide lists them.
TEAM_SCREENS = {
    "sales": ("everywhere", "lists", "sales", "entry", "review", "order"),
    "inventory": ("everywhere", "lists"),
    "fulfillment": ("everywhere", "lists", "ready", "picking"),
    "manager": ("everywhere", "lists", "deliveries", "order"),
    "admin": ("everywhere", "lists"),
}

# How app.js names a key, where the lists show another name.
JS_KEY_NAMES = {"Escape": "Esc", "ArrowDown": "↓", "ArrowUp": "↑"}


def for_screen(screen: str, team: str | None = None) -> list[Shortcut]:
    """The shortcuts of one screen (for `team`'s guide: only those it may use)."""
    return [s for s in SHORTCUTS if s.screen == screen and (team is None or not s.teams or team in s.teams)]


def for_team(team: str) -> list[tuple[str, list[Shortcut]]]:
    """A team's guide: (screen's name, its shortcuts) for each screen the team works on."""
    return [(SCREENS[screen], found) for screen in TEAM_SCREENS[team] if (found := for_screen(screen, team))]
