"""Small CSV files for the import tests, and counting what a refused file did not write."""

from sqlalchemy import func, select

from app.catalog.models import CustomerPrice, PriceBreak, PriceChange, Product, StockMovement
from app.customers.models import Address, Customer
from app.events.models import Event
from app.extensions import db

PRODUCTS_HEADER = "sku,name,description,unit,pack_size,bin,list_price,tax_rate,lead_time_days,reorder_point,active"
CUSTOMERS_HEADER = "code,name,email,phone,contact,address,payment_terms,credit_limit,vat_number"
PRICES_HEADER = "customer_code,sku,min_quantity,unit_price,valid_from,valid_to"


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def products_csv(*rows: str) -> bytes:
    return csv_bytes(PRODUCTS_HEADER, *rows)


GOOD_PRODUCTS = products_csv(
    'P-100,Brass hinge 50 mm,"Solid brass, pair",pair,2,A-01-1,12.50,20,5,10,yes',
    "P-200,Wood screw 4x40,,box,100,B-02-3,4.99,20,7,0,yes",
    "P-300,Safety gloves,Nitrile,each,1,,2.10,0,,,no",
)

TABLES = (Product, PriceBreak, CustomerPrice, PriceChange, StockMovement, Customer, Address, Event)


def row_counts() -> dict[str, int]:
    return {m.__name__: db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in TABLES}
