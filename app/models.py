"""Every model, imported in one place so that Alembic and the shell see the whole schema."""

from app.api.models import ApiToken, IdempotencyRecord
from app.attachments.models import OrderAttachment
from app.auth.models import LoginAttempt, LoginSession, User, UserRole
from app.catalog.models import (
    CustomerPrice,
    PriceBreak,
    PriceChange,
    PriceList,
    PriceListItem,
    Product,
    StockMovement,
)
from app.customers.models import Address, Contact, Customer
from app.dataio.models import ImportUpload
from app.documents.models import Document
from app.escalations.models import Escalation, EscalationComment
from app.events.models import Event
from app.mail.models import OutboxMessage
from app.notifications.models import Notification
from app.orders.models import (
    ChangeRequest,
    Communication,
    InboundEmail,
    Order,
    OrderLine,
    OrderNumberCounter,
    Revision,
    Shipment,
    ShipmentLine,
    SpecialRequest,
    StatusLink,
    VerificationFlag,
)
from app.orders.notes import OrderNote
from app.orders.saved_filters import SavedFilter
from app.orders.waves import PickWave, WavePreference
from app.ratelimit import RateWindow
from app.reports.models import StoredReview
from app.settings.models import Setting

__all__ = [
    "StoredReview", "Address", "Communication", "Customer", "CustomerPrice", "InboundEmail", "PriceBreak", "VerificationFlag", "Document", "Escalation", "EscalationComment", "Event",
    "LoginAttempt", "LoginSession", "Notification", "Order", "OrderLine", "OrderAttachment", "OrderNote", "OrderNumberCounter", "OutboxMessage",
    "PickWave", "Product", "Revision", "SavedFilter", "Shipment", "ShipmentLine", "SpecialRequest",
    "StockMovement", "User", "UserRole", "WavePreference", "Contact", "PriceChange", "PriceList",
    "PriceListItem", "Setting", "ImportUpload", "ApiToken", "IdempotencyRecord", "ChangeRequest", "StatusLink",
    "RateWindow",
]
