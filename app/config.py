"""Configuration read from the environment (and an optional `.env`)."""

import os
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
load_dotenv(ROOT / ".env")


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


class Config:
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'orderdesk.sqlite'}"
    )
    # A pooled connection is checked before use (one round trip): after the database was away
    # (restarted, network cut) a worker replaces its dead connections instead of failing a request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))  # rules: app/auth/passwords.py
    # Login throttling: this many failures in LOGIN_LOCK_MINUTES lock an account (or an address).
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    # Behind a reverse proxy, how many X-Forwarded-For hops to trust for the client address.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024)))  # uploads
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))  # one file on an order
    MAX_FORM_MEMORY_SIZE = 200_000  # one form field's text, in bytes (Werkzeug answers 413 above)
    READS_NEVER_WRITE_STRICT = False
    # How long a writer waits for its turn (SQLite busy timeout, PostgreSQL lock_timeout)
    # before the person is told to try again (503).
    DB_LOCK_WAIT_SECONDS = float(os.environ.get("DB_LOCK_WAIT_SECONDS", "15"))  # a GET that tries to write: logged (tests make it an error)
    # PostgreSQL's planner cost of reading a page out of order (app/database.py); empty: the server's
    DB_RANDOM_PAGE_COST = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session (a shift, not an hour)
    BUSINESS_NAME = os.environ.get("BUSINESS_NAME", "Northwind Supplies Ltd")
    BUSINESS_TIMEZONE = os.environ.get("BUSINESS_TIMEZONE", "Europe/London")
    # how dates and numbers read and are typed (a CLDR locale for Babel: en_GB, en_US, de_DE…)
    BUSINESS_LOCALE = os.environ.get("BUSINESS_LOCALE", "en_GB")
    RETENTION_MONTHS = int(os.environ.get("RETENTION_MONTHS", "12"))
    # events are sealed into the audit chain once they are this old (app/events/chain.py)
    AUDIT_SEAL_SETTLE_SECONDS = float(os.environ.get("AUDIT_SEAL_SETTLE_SECONDS", "5"))
    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "25"))
    # lists count their rows up to this many, then say "10,000+" (app/pagination.py)
    LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", "10000"))
    LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "1.5"))  # how often live pages poll
    DUPLICATE_WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "14"))
    PRICE_FLOOR_RATIO = os.environ.get("PRICE_FLOOR_RATIO", "0.80")  # below list x this needs a manager
    # kind=Label=owner team; the owning team decides whether the request can be met.
    SPECIAL_REQUEST_TYPES = os.environ.get(
        "SPECIAL_REQUEST_TYPES",
        "delivery_window=Delivery window=fulfillment;gift_wrap=Gift wrap=fulfillment;"
        "custom_label=Custom label=fulfillment;substitute=Substitute product=inventory;"
        "reserve_batch=Specific batch or lot=inventory;other=Other=fulfillment",
    )
    AMENDMENT_CHANNELS = os.environ.get("AMENDMENT_CHANNELS", "phone,email,online")
    INTAKE_CHANNELS = os.environ.get("INTAKE_CHANNELS", "phone,email,online,walk-in")  # approved intake channels
    EXTRA_CLOSED_DAYS = os.environ.get("EXTRA_CLOSED_DAYS", "")  # ISO dates, comma-separated
    # Company details printed on confirmations and packing slips, and the one currency (ISO 4217).
    COMPANY_NUMBER = os.environ.get("COMPANY_NUMBER", "")
    VAT_NUMBER = os.environ.get("VAT_NUMBER", "")
    BUSINESS_EMAIL = os.environ.get("BUSINESS_EMAIL", "")
    CURRENCY = os.environ.get("CURRENCY", "GBP")
    # The online channel (JSON API) and the customer's status page (issue 13).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")  # links in emails
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))  # requests per token per minute
    STATUS_RATE_LIMIT = int(os.environ.get("STATUS_RATE_LIMIT", "30"))  # status page requests per address per minute
    IDEMPOTENCY_KEEP_HOURS = int(os.environ.get("IDEMPOTENCY_KEEP_HOURS", "48"))  # at least 24
    # The order mailbox (`flask --app wsgi intake poll`); no IMAP_HOST, no polling.
    IMAP_HOST = os.environ.get("IMAP_HOST", "")
    IMAP_PORT = int(os.environ.get("IMAP_PORT", "993"))
    IMAP_USER = os.environ.get("IMAP_USER", "")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
    IMAP_SSL = _bool("IMAP_SSL", True)
    IMAP_POLL_SECONDS = int(os.environ.get("IMAP_POLL_SECONDS", "60"))
    MAX_EMAIL_BYTES = int(os.environ.get("MAX_EMAIL_BYTES", str(5 * 1024 * 1024)))
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "file")
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_FROM = os.environ.get("MAIL_FROM", "orders@example.com")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "30"))  # seconds per SMTP operation
    OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))  # doubles per attempt
    OUTBOX_BACKOFF_MAX_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
    # Promised dates: business days by a holiday calendar, an order cut-off, lead times.
    BUSINESS_COUNTRY = os.environ.get("BUSINESS_COUNTRY", "GB")
    BUSINESS_SUBDIVISION = os.environ.get("BUSINESS_SUBDIVISION", "ENG") or None
    ORDER_CUTOFF = os.environ.get("ORDER_CUTOFF", "14:00")  # business-local time
    BUSINESS_OPENS = os.environ.get("BUSINESS_OPENS", "08:00")
    BUSINESS_CLOSES = os.environ.get("BUSINESS_CLOSES", "17:00")
    DELIVERY_LEAD_DAYS = int(os.environ.get("DELIVERY_LEAD_DAYS", "2"))  # business days in transit
    PICKUP_READY_HOURS = int(os.environ.get("PICKUP_READY_HOURS", "2"))  # to pick and pack
    # The manager's desk: an order promised within this many business days and not yet
    # picked is "at risk"; a dispatched order is marked delivered after this many days (0: never).
    AT_RISK_BUSINESS_DAYS = int(os.environ.get("AT_RISK_BUSINESS_DAYS", "2"))
    AUTO_DELIVER_AFTER_DAYS = int(os.environ.get("AUTO_DELIVER_AFTER_DAYS", "0"))
    BUSINESS_ADDRESS = os.environ.get("BUSINESS_ADDRESS", "Unit 4, Canal Wharf, Leeds LS11 5PS")
    BUSINESS_PHONE = os.environ.get("BUSINESS_PHONE", "0113 496 0000")
    # SLA rules (app/escalations/sla.py): a breach raises one escalation; 0 (or off) turns a rule off.
    SLA_DRAFT_UNCONFIRMED_HOURS = float(os.environ.get("SLA_DRAFT_UNCONFIRMED_HOURS", "4"))  # business hours
    SLA_CONFIRMATION_UNSENT_MINUTES = int(os.environ.get("SLA_CONFIRMATION_UNSENT_MINUTES", "30"))
    SLA_REQUEST_DECISION_HOURS = float(os.environ.get("SLA_REQUEST_DECISION_HOURS", "4"))  # business hours
    SLA_NOT_PICKED_DAYS = int(os.environ.get("SLA_NOT_PICKED_DAYS", "1"))  # business days before promised
    SLA_EMAIL_FAILED = _bool("SLA_EMAIL_FAILED", True)


class TestConfig(Config):
    TESTING = True
    READS_NEVER_WRITE_STRICT = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = True
    PDF_LAYOUT = False  # documents are laid out only in tests marked real_pdf (tests/conftest.py)
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick; never in production
