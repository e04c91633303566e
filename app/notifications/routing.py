"""Which teams must act on which events.

Other features only record events with these kinds (`record_event(kind, ...)`); the
notification follows by itself, in the same transaction, for every active user who has
one of the team roles (not the person who caused the event).

| kind                              | recorded when                                   | told          |
|-----------------------------------|-------------------------------------------------|---------------|
| order.submit                      | a draft is confirmed (a new order)              | inventory, fulfillment |
| order.amended                     | a confirmed order is changed (new revision)     | inventory, fulfillment |
| order.cancel                      | an order is cancelled (drafts are not news)     | inventory, fulfillment |
| order.hold / order.release_hold   | an order is held or released                    | fulfillment   |
| order.special_request_added       | sales added a special request                   | its owner team (after["team"]) |
| order.special_request_decided     | inventory/fulfillment decided a special request | sales         |
| order.short_pick                  | picking found less stock than reserved          | sales, inventory |
| order.amended_in_picking          | an order being picked was amended               | fulfillment — ALERT until a fulfillment user acknowledges it |
| mail.failed                       | the relay gave up on an email                   | sales, manager |
| order.escalated                   | someone (or an SLA rule) escalated an order     | manager and the team concerned (after["team"]) |
| escalation.assigned / .commented / .resolved | the manager (or someone concerned) worked on an escalation | manager and the team concerned (after["team"]) |
| order.note                        | someone added an internal note to an order      | only the teams it mentions (after["mentions"]) |
| order.credit_check                | a draft is for a customer on credit hold or takes them past their limit | manager |
| order.credit_cleared              | a manager cleared a credit check (with a reason) | sales         |
| order.change_requested            | the customer asked for a change (API, status page, email) | sales  |
| order.needs_review                | an API order arrived with checks open (a draft to review) | sales  |
"""

ROUTES: dict[str, tuple[str, ...]] = {
    "order.submit": ("inventory", "fulfillment"),
    "order.amended": ("inventory", "fulfillment"),
    "order.cancel": ("inventory", "fulfillment"),
    "order.hold": ("fulfillment",),
    "order.release_hold": ("fulfillment",),
    "order.special_request_decided": ("sales",),
    "order.short_pick": ("sales", "inventory"),
    "order.amended_in_picking": ("fulfillment",),
    "mail.failed": ("sales", "manager"),
    "order.escalated": ("manager",),
    "order.credit_check": ("manager",),
    "order.credit_cleared": ("sales",),
    "order.change_requested": ("sales",),
    "order.needs_review": ("sales",),
    "escalation.assigned": ("manager",),
    "escalation.commented": ("manager",),
    "escalation.resolved": ("manager",),
}
# Kinds shown as a prominent alert to these teams until one of their members acknowledges it.
ALERTS: dict[str, tuple[str, ...]] = {"order.amended_in_picking": ("fulfillment",)}
ACKNOWLEDGED = "notification.acknowledged"  # the event an acknowledgement records


OWNED_BY_A_TEAM = {"order.special_request_added"}  # told to the team named in the event's after["team"]
# Escalations: told to their ROUTES teams (the manager) and to the team concerned, after["team"].
CONCERN_A_TEAM = {"order.escalated", "escalation.assigned", "escalation.commented", "escalation.resolved"}
TEAMS = ("sales", "inventory", "fulfillment", "manager")
MENTIONS_TEAMS = {"order.note"}  # told to the teams named in the event's after["mentions"] only


def teams_for(kind: str, before: dict | None = None, after: dict | None = None) -> tuple[str, ...]:
    """The teams told about an event of `kind` (a cancelled draft concerns nobody)."""
    if kind == "order.cancel" and (before or {}).get("status") == "draft":
        return ()
    if kind in MENTIONS_TEAMS:
        return tuple(t for t in (after or {}).get("mentions") or () if t in TEAMS)
    team = (after or {}).get("team")
    if kind in OWNED_BY_A_TEAM:
        return (team,) if team in TEAMS else ()
    if kind in CONCERN_A_TEAM and team in TEAMS and team not in ROUTES[kind]:
        return (*ROUTES[kind], team)
    return ROUTES.get(kind, ())


def is_alert(kind: str, team: str) -> bool:
    return team in ALERTS.get(kind, ())


def kinds_for(roles) -> set[str]:
    """Every kind that notifies at least one of `roles` (and acknowledgements, which clear alerts)."""
    kinds = {kind for kind, teams in ROUTES.items() if set(teams) & set(roles)}
    return (kinds | {ACKNOWLEDGED} | (OWNED_BY_A_TEAM if set(roles) & {"inventory", "fulfillment"} else set())
            | (CONCERN_A_TEAM | MENTIONS_TEAMS if set(roles) & set(TEAMS) else set()))
