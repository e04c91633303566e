"""Who may do what to which record: one question, `can(user, action, subject)`, that views
and templates both ask (templates through the `can(action, subject)` global).

An action is named in the business's words. Actions that change an order's status are the
lifecycle's transitions (app/orders/lifecycle.py): `can(user, "dispatch", order)` is true
when that transition is available to the user for the order now, by the lifecycle's own
check. Every other action is declared once, in RULES: the roles that may do it (or, for a
special request or an alert, the team it belongs to) and, where it depends on the record,
the check the record must pass now.

`require` is the same question for a view that is about to act: it raises `NotAllowed`
(403) when the user's roles do not allow the action, or a plain `Refusal` saying why the
record does not allow it now.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.auth.access import DASHBOARD_ROLES, ORDER_VIEWERS
from app.errors import NotAllowed, Refusal
from app.orders import lifecycle
from app.orders.amendments import check_amendable
from app.orders.lifecycle import TRANSITIONS, TransitionError
from app.orders.states import CLOSED_STATUSES

SALES = ("sales", "manager")
WAREHOUSE = ("fulfillment", "manager")


@dataclass(frozen=True)
class Rule:
    """`doing`: the action in words, for a refusal; `roles`: who may, or a function of the
    subject giving them; `check(subject, user)`: raises a Refusal when the record does not
    allow the action now (None: the action does not depend on a record)."""

    doing: str
    roles: tuple[str, ...] | Callable
    check: Callable | None = None


# --- checks on the record ------------------------------------------------------------------

def status_in(*statuses: str, why: str) -> Callable:
    """The order must be in one of `statuses`; `why` (formatted with the order as `o`) if not."""
    def check(order, _user):
        if order.status not in statuses:
            raise Refusal(why.format(o=order, status=order.status_label.lower()))
    return check


def request_in(status: str, why: str) -> Callable:
    """The special request must be `status`."""
    def check(request, _user):
        if request.status != status:
            raise Refusal(why.format(r=request))
    return check


def transition_check(name: str) -> Callable:
    """The lifecycle's own check for transition `name`."""
    return lambda order, user: lifecycle.check(order, name, user)


def _can_ship(order, user):
    """One of the shipping steps is possible now (dispatch, ready for pickup, or collect)."""
    steps = ("dispatch", "ready_for_pickup", "collect")
    for name in steps:
        try:
            lifecycle.check(order, name, user)
            return
        except TransitionError as refused:
            if order.status in TRANSITIONS[name].sources and order.method in TRANSITIONS[name].methods:
                raise refused
    raise Refusal(f"{order.ref} is {order.status_label}: nothing to ship.")


def _holdable(order, _user):
    if order.status in CLOSED_STATUSES:
        raise Refusal(f"A {order.status_label.lower()} order cannot be held.")
    if order.on_hold:
        raise Refusal("The order is already on hold.")


def _held(order, _user):  # (cancelling an order releases its hold: a closed order is never held)
    if not order.on_hold:
        raise Refusal("The order is not on hold.")


def _open(order, _user):
    if order.status in CLOSED_STATUSES:
        raise Refusal(f"{order.ref} is {order.status_label.lower()}; no more requests can be added.")


def _not_promised_possible(request, _user):
    if request.status != "pending" or request.not_promised:
        raise Refusal("This request has already been decided, or accepted as not promised.")
    if request.order.status != "draft":
        raise Refusal("“Not promised” is agreed before the order is submitted; amend the order instead.")


def _retryable(message, _user):
    if not message.can_retry:
        raise Refusal(f"Only a failed email, or one waiting to be tried again, can be retried; this one is "
                      f"{message.state_label.lower()}.")


def _owner_or_manager(request) -> tuple[str, ...]:
    return (request.owner_team, "manager")


def _alerted_team(notification) -> tuple[str, ...]:
    return (notification.team,)


def _escalation_open(escalation, _user):
    if escalation.status != "open":
        raise Refusal("This escalation is resolved; escalate the order again if something is still wrong.")


def _concerned_with(escalation) -> tuple[str, ...]:
    """The manager, the team the escalation concerns, and the teams of whoever raised it or has it."""
    people = [u for u in (escalation.raised_by, escalation.assignee) if u is not None]
    roles = {"manager", escalation.team, *(role for person in people for role in person.roles)}
    return tuple(sorted(roles & set(ORDER_VIEWERS)))


def _personal_data_kept(order, _user):
    if order.personal_data_removed_at is not None:
        raise Refusal(f"{order.ref}'s personal data was removed after the retention period; nothing more can be attached.")


def _uploader_or_manager(attachment, user):
    if attachment.uploaded_by_id != user.id and not user.has_role("manager"):
        raise NotAllowed("Only the person who attached a file, or a manager, can remove it.")
    if attachment.removed_at is not None:
        raise Refusal(f"{attachment.filename} was already removed.")


def _numbered(order, _user):
    if not order.number:
        raise Refusal(f"{order.ref} is a draft: its customer gets a status link once it is confirmed.")


# --- the table ---------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    **{name: Rule(t.label, tuple(sorted(t.roles)), transition_check(name)) for name, t in TRANSITIONS.items()},
    # an order
    "view_order": Rule("Opening an order", ORDER_VIEWERS),
    "continue_entry": Rule("Taking an order", SALES, status_in(
        "draft", why="{o.ref} is {status}; it can no longer be edited here.")),
    "accept_split": Rule("Agreeing a split delivery", SALES, status_in(
        "draft", why="A split can only be agreed before the order is submitted; amend the order instead.")),
    "amend": Rule("Amending an order", SALES, check_amendable),
    "ask_pick_release": Rule("Asking fulfillment to release a pick", SALES, status_in(
        "picking", why="{o.ref} is not being picked; amend it directly.")),
    "hold": Rule("Holding an order", SALES, _holdable),
    "release_hold": Rule("Releasing a hold", SALES, _held),
    "log_contact": Rule("Logging a contact with the customer", SALES),
    "add_note": Rule("Adding a note for the teams", ORDER_VIEWERS),
    "clear_credit_check": Rule("Clearing a credit check", ("manager",), status_in(
        "draft", why="{o.ref} is {status}; credit checks are cleared before an order is submitted.")),
    # attachments (app/attachments/; the subject is the order, but for removing: the OrderAttachment)
    "attach": Rule("Attaching a file to an order", ORDER_VIEWERS, _personal_data_kept),
    "view_attachment": Rule("Opening an order's attachment", ORDER_VIEWERS),
    "remove_attachment": Rule("Removing an attachment", ORDER_VIEWERS, _uploader_or_manager),
    # the warehouse
    "print_pick_list": Rule("Printing a pick list", WAREHOUSE, status_in(
        "confirmed", "picking",
        why="{o.ref} is {o.status_label}: pick lists are printed for confirmed orders and orders being picked.")),
    "record_pick": Rule("Recording a pick", WAREHOUSE, transition_check("pack")),  # picking, not held
    "view_packing_slip": Rule("Seeing a packing slip", WAREHOUSE),
    "print_packing_slip": Rule("Printing a packing slip", WAREHOUSE, status_in(
        "packed", "ready_for_pickup", why="{o.ref} is {o.status_label}: a packing slip is printed once the order is packed.")),
    "ship": Rule("Shipping an order", WAREHOUSE, _can_ship),
    # special requests (the subject is the SpecialRequest)
    "add_request": Rule("Adding a special request", SALES, _open),
    "withdraw_request": Rule("Removing a special request", SALES, request_in(
        "pending", why="Only a pending request can be removed; ask the owning team to change a decided one.")),
    "accept_not_promised": Rule("Recording that the customer accepts “not promised”", SALES, _not_promised_possible),
    "decide_request": Rule("Deciding a special request", _owner_or_manager, request_in(
        "pending", why="This request is already {r.status}.")),
    "complete_request": Rule("Marking a special request done", _owner_or_manager, request_in(
        "approved", why="Only an approved request can be marked done.")),
    # what the customer asks (app/orders/change_requests.py; the subject is the ChangeRequest) and
    # their status link (app/orders/status_links.py; the subject is the order)
    "decline_change_request": Rule("Declining a customer's change request", SALES, request_in(
        "open", why="This change request has already been dealt with.")),
    "manage_status_link": Rule("Managing the customer's status link", SALES, _numbered),
    # mail and alerts
    "view_mail": Rule("Reading the mail", SALES),
    "retry_email": Rule("Retrying an email", SALES, _retryable),  # the subject is the OutboxMessage
    "acknowledge_alert": Rule("Acknowledging an alert", _alerted_team),  # the subject is the Notification
    # escalations (app/escalations/; the subject is the Escalation, but for `escalate`: the order)
    "escalate": Rule("Escalating an order", ORDER_VIEWERS),
    "view_escalation": Rule("Seeing an escalation", ORDER_VIEWERS),
    "list_escalations": Rule("Seeing the escalations", ("manager",)),
    "handle_escalation": Rule("Handling an escalation", ("manager",), _escalation_open),
    "comment_escalation": Rule("Commenting on an escalation", _concerned_with, _escalation_open),
    # oversight
    "view_review": Rule("Reviewing order processing over a period", DASHBOARD_ROLES["manager"]),
    # the catalogue (app/catalog/products.py): sales and fulfillment read a product, inventory changes it
    "edit_product": Rule("Changing a product", DASHBOARD_ROLES["inventory"]),
    "move_stock": Rule("Receiving or adjusting stock", DASHBOARD_ROLES["inventory"]),
    # customers and the audit log
    "view_customer": Rule("Opening a customer", SALES),
    # prices (app/prices/): agreed customer prices and price lists
    "view_prices": Rule("Seeing agreed prices and price lists", SALES),
    "edit_prices": Rule("Changing agreed prices and price lists", ("manager",)),
    "edit_customer": Rule("Changing a customer", SALES),
    "change_credit": Rule("Changing a customer's credit limit or credit hold", ("manager",)),
    "view_audit_log": Rule("Reading the audit log", ("manager", "admin")),
    # the business's data as CSV files
    "import_data": Rule("Importing and exporting products, customers, prices and stock", ("manager", "admin")),
    "view_settings": Rule("Reading the business settings", ("manager", "admin")),
    # API tokens of the online channel (app/admin/api_tokens.py): the admin makes and revokes them
    "view_api_tokens": Rule("Seeing the API tokens", ("manager", "admin")),
    "manage_api_tokens": Rule("Creating and revoking API tokens", ("admin",)),
}


def _rule(action: str) -> Rule:
    rule = RULES.get(action)
    if rule is None:  # a typo in a view or template: fail loudly, never answer "no"
        raise ValueError(f"Unknown action {action!r}; the actions are in app/orders/permissions.py RULES.")
    return rule


def roles_for(action: str, subject=None) -> tuple[str, ...]:
    """The roles that may do `action` (to `subject`, for actions whose roles depend on it)."""
    roles = _rule(action).roles
    return roles(subject) if callable(roles) else roles


def require(user, action: str, subject=None) -> None:
    """Refuse unless `user` may do `action` to `subject` now: `NotAllowed` (403) if the user's
    roles do not allow it, else the record's own reason (a `Refusal`) if it does not allow it now."""
    rule = _rule(action)
    roles = roles_for(action, subject)
    if user is None or not user.is_authenticated or not user.has_role(*roles):
        raise NotAllowed(f"{rule.doing} needs the {' or '.join(sorted(roles))} role.")
    if rule.check is not None:
        rule.check(subject, user)


def can(user, action: str, subject=None) -> bool:
    """True if `user` may do `action` (to `subject`) now. The same answer as `require`."""
    try:
        require(user, action, subject)
    except Refusal:
        return False
    return True
