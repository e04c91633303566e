"""Writes tests/intake/corpus/*.eml and their *.expected.json sidecars (run once by hand:
`.venv/bin/python tests/intake/make_corpus.py`; the files are committed and the tests only
read them). Each sidecar: {"lines": [[SKU, quantity], ...], "unread": [text a check must
show, ...]}. The PDF purchase order is drawn by WeasyPrint here, not in the tests."""

import io
import json
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pypdf
from weasyprint import HTML

HERE = Path(__file__).parent / "corpus"
SIG = ("\nKind regards,\n\nAnn Lee\nPurchasing, Lee & Daughters Ltd\nTel: 0113 496 0123 ext 22\n"
       "Mob: 07700 900123\nVAT No GB123456789\nUnit 4, Leeds Road, Leeds LS1 4AB\n")
CORPUS = {}


def add(name, body, lines, unread=(), subject="Order", sender="Ann Lee <ann@lee.example>", html=None,
        attachments=(), raw=None):
    if raw is None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, "orders@orderdesk.example", subject
        message["Date"] = "Tue, 01 Dec 2026 09:14:00 +0000"
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
        for filename, data, ctype in attachments:
            maintype, subtype = ctype.split("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        raw = bytes(message)
    CORPUS[name] = (raw, {"lines": [list(x) for x in lines], "unread": list(unread)})


add("01-plain-simple", "Hi,\n\nPlease send the following:\n\nSKU-0001 3\nSKU-0002 5\n" + SIG,
    [("SKU-0001", 3), ("SKU-0002", 5)])
add("02-x-forms", "Morning,\n\nSKU-0003 x 3\n3 x SKU-0004\n3x SKU-0005\nsku-0006 x2\n\nThanks\nTom\n",
    [("SKU-0003", 3), ("SKU-0004", 3), ("SKU-0005", 3), ("SKU-0006", 2)])
add("03-qty-and-units", "Hello,\n\nSKU-0007 - qty 4\nSKU-0008 - 5 boxes\nSKU-0009 x 10 pcs\nSKU-0010 5 ea\n"
    "\nCheers,\nMo\nPhone 0161 496 0000\n", [("SKU-0007", 4), ("SKU-0008", 5), ("SKU-0009", 10), ("SKU-0010", 5)])
add("04-qty-item", "Order for next week:\n\nQty: 5  Item: SKU-0011\nItem: SKU-0012  Qty: 2\nQty 7 - SKU-0013\n"
    + SIG, [("SKU-0011", 5), ("SKU-0012", 2), ("SKU-0013", 7)])
add("05-colon", "SKU-0013: 5\nSKU-0014: 12\nSKU-0015 : 1\n\nta\nDave", [("SKU-0013", 5), ("SKU-0014", 12),
                                                                      ("SKU-0015", 1)])
add("06-tabs-thousands", "Please supply\n\nSKU-0015\t4\nSKU-0016\t1,000\nSKU-0017\t\t2\n" + SIG,
    [("SKU-0015", 4), ("SKU-0016", 1000), ("SKU-0017", 2)])
add("07-bullets-numbered", "Hi team, usual order please:\n\n1. SKU-0017 x 2\n2. SKU-0018 x 6\n3) SKU-0019 x 1\n"
    "• SKU-0019 – 3\n- SKU-0020 qty 8\n* SKU-0021 x 9\n\nBest,\nSam", [
        ("SKU-0017", 2), ("SKU-0018", 6), ("SKU-0019", 1), ("SKU-0019", 3), ("SKU-0020", 8), ("SKU-0021", 9)])
add("08-descriptions", "Can we have:\n\nSKU-0021 Widget blue, qty 4\nSKU-0022 Nitrile gloves (large) - 10 boxes\n"
    "GLV-NIT-L gloves large 500ml pump 20\nBLT-M8-40 M8 bolts, 40mm: 250 off\n" + SIG,
    [("SKU-0021", 4), ("SKU-0022", 10), ("GLV-NIT-L", 20), ("BLT-M8-40", 250)])

OUTLOOK_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">
<style><!-- p.MsoNormal {margin:0cm;} --></style></head><body lang=EN-GB>
<div class=WordSection1><p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal>Order below please.<o:p></o:p></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>
<tr><td><p class=MsoNormal><b>Item Code<o:p></o:p></b></p></td><td><p class=MsoNormal><b>Description</b></p></td>
<td><p class=MsoNormal><b>Qty</b></p></td><td><p class=MsoNormal><b>Unit Price</b></p></td></tr>
<tr><td><p class=MsoNormal>SKU-0023<o:p></o:p></p></td><td><p class=MsoNormal>Parcel tape 48mm<br>brown</p></td>
<td><p class=MsoNormal>12<o:p></o:p></p></td><td><p class=MsoNormal>&pound;1.20</p></td></tr>
<tr><td><p class=MsoNormal>SKU-0024</p></td><td><p class=MsoNormal>Box 45x45</p></td>
<td><p class=MsoNormal>1,000</p></td><td><p class=MsoNormal>&pound;0.40</p></td></tr>
<tr><td><p class=MsoNormal>TAPE-48-GRY</p></td><td><p class=MsoNormal>Grey tape</p></td>
<td><p class=MsoNormal>6</p></td><td><p class=MsoNormal>&pound;1.30</p></td></tr>
</table><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Kind regards<o:p></o:p></p>
<p class=MsoNormal>Ann Lee | Tel: 0113 496 0123 ext 22 | VAT No GB123456789<o:p></o:p></p></div></body></html>"""
OUTLOOK_PLAIN = ("Hi,\nOrder below please.\n\nItem Code\n\nDescription\n\nQty\n\nUnit Price\n\nSKU-0023\n\n"
                 "Parcel tape 48mm\nbrown\n\n12\n\n£1.20\n\nSKU-0024\n\nBox 45x45\n\n1,000\n\n£0.40\n\n"
                 "TAPE-48-GRY\n\nGrey tape\n\n6\n\n£1.30\n\n\nKind regards\nAnn Lee | Tel: 0113 496 0123 ext 22\n")
add("09-outlook-html-table", OUTLOOK_PLAIN, [("SKU-0023", 12), ("SKU-0024", 1000), ("TAPE-48-GRY", 6)],
    html=OUTLOOK_HTML, subject="PO 55120")

SHEETS_HTML = """<div dir="ltr">Hi, order from our sheet:<br><br>
<google-sheets-html-origin><table xmlns="http://www.w3.org/1999/xhtml" cellspacing="0" cellpadding="0" dir="ltr"
border="1" style="table-layout:fixed;font-size:10pt;font-family:Arial;width:0px;border-collapse:collapse;border:none">
<colgroup><col width="60"><col width="100"><col width="200"><col width="80"></colgroup><tbody>
<tr style="height:21px;"><td style="overflow:hidden;padding:2px 3px;">Line</td><td>SKU</td><td>Product</td>
<td>Quantity</td></tr>
<tr style="height:21px;"><td style="text-align:right;">1</td><td>SKU-0025</td><td>Stretch wrap 400mm</td>
<td style="text-align:right;">4</td></tr>
<tr><td style="text-align:right;">2</td><td>SKU-0026</td><td>Bubble roll</td><td style="text-align:right;">2</td></tr>
<tr><td style="text-align:right;">3</td><td>CTN-4545</td><td>Carton 45x45x45</td><td style="text-align:right;">200</td></tr>
<tr><td style="text-align:right;">4</td><td>sku-0027</td><td>Labels A4 (100)</td><td style="text-align:right;">3</td></tr>
</tbody></table></google-sheets-html-origin><br clear="all"><div><br></div>-- <br>
<div dir="ltr" class="gmail_signature">Sam Patel<br>Stores<br>T: 0113 496 0999</div></div>"""
SHEETS_PLAIN = ("Hi, order from our sheet:\n\nLine SKU Product Quantity\n1 SKU-0025 Stretch wrap 400mm 4\n"
                "2 SKU-0026 Bubble roll 2\n3 CTN-4545 Carton 45x45x45 200\n4 sku-0027 Labels A4 (100) 3\n\n"
                "-- \nSam Patel\nStores\nT: 0113 496 0999\n")
add("10-google-sheets-html", SHEETS_PLAIN, [("SKU-0025", 4), ("SKU-0026", 2), ("CTN-4545", 200), ("SKU-0027", 3)],
    html=SHEETS_HTML, sender="Sam Patel <sam@stores.example>")
add("11-sheets-paste-tabs", "Order as below\n\nLine\tSKU\tDescription\tQty\tPrice\n1\tSKU-0028\tHi-vis vest L\t10\t"
    "3.50\n2\tSKU-0029\tHard hat white\t5\t6.00\n3\tSKU-0030\tSafety boots 9\t2\t29.99\n\nThanks\nSam",
    [("SKU-0028", 10), ("SKU-0029", 5), ("SKU-0030", 2)])
add("12-outlook-plain-spaces", "Hello,\n\nCode          Product                 Units\nSKU-0001      Widget red"
    "              12\nSKU-0002      Widget green            8\nSKU-0003      Widget yellow           16\n" + SIG,
    [("SKU-0001", 12), ("SKU-0002", 8), ("SKU-0003", 16)])
add("13-phone-typed", "hi can i get\nsku-0004 x3\nSku-0005 x 12\nsku0006?? no sorry SKU-0006 2\n\n"
    "Sent from my iPhone", [("SKU-0004", 3), ("SKU-0005", 12), ("SKU-0006", 2)], subject="order")
add("14-forwarded-gmail", "FYI - order from the Leeds site, please process.\n\nJo\n\n"
    "---------- Forwarded message ---------\nFrom: Ann Lee <ann@lee.example>\nDate: Mon, 30 Nov 2026 at 16:02\n"
    "Subject: Order\nTo: Jo Brown <jo@lee.example>\n\n\nHi Jo, can you put this through:\n\nSKU-0007 x 4\n"
    "SKU-0008 x 2\n6 x SKU-0009\n\nThanks\nAnn\nTel: 0113 496 0123\n",
    [("SKU-0007", 4), ("SKU-0008", 2), ("SKU-0009", 6)], subject="Fwd: Order")
add("15-forwarded-quoted", "Please see below.\n\nBegin forwarded message:\n\n> From: Ann Lee <ann@lee.example>\n"
    "> Subject: Weekly order\n> Date: 30 November 2026 at 16:02:11 GMT\n> To: Jo Brown <jo@lee.example>\n>\n"
    "> SKU-0010 - qty 3\n> SKU-0011 - qty 1\n> SKU-0012 x 20 pcs\n>\n> Regards\n> Ann\n",
    [("SKU-0010", 3), ("SKU-0011", 1), ("SKU-0012", 20)], subject="Fwd: Weekly order")
add("16-reply-original-message", "Same again but add 2 more boxes:\n\nSKU-0013 x 2\n\nThanks, Ann\n\n"
    "-----Original Message-----\nFrom: Order Desk <orders@orderdesk.example>\nSent: 24 November 2026 10:03\n"
    "To: Ann Lee <ann@lee.example>\nSubject: RE: Order\n\nYour order:\nSKU-0014 x 5\nSKU-0015 x 7\nSKU-0016 x 1\n",
    [("SKU-0013", 2)], subject="RE: Order")
add("17-reply-on-wrote", "Yes please, and also\nSKU-0017 x 1\nSKU-0018 x 3\n\nOn Mon, 30 Nov 2026 at 11:20, Order Desk "
    "<orders@orderdesk.example>\nwrote:\n> Can you confirm the order:\n> SKU-0019 x 10\n> SKU-0020 x 2\n",
    [("SKU-0017", 1), ("SKU-0018", 3)], subject="Re: Your order")
add("18-reply-outlook-from-sent", "Please add these to last week's order\n\nSKU-0021 5\nSKU-0022 6\n\n"
    "Ann\n\nFrom: Ann Lee\nSent: 23 November 2026 09:01\nTo: 'orders@orderdesk.example'\nSubject: Order\n\n"
    "SKU-0023 50\nSKU-0024 60\nSKU-0025 70\n", [("SKU-0021", 5), ("SKU-0022", 6)], subject="RE: Order")

CP1252 = ("From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@mueller.example>\nTo: orders@orderdesk.example\n"
          "Subject: Bestellung\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n"
          "Guten Tag, bitte liefern \u2013 Preis \u00a32.40 \u2018wie besprochen\u2019:\n\nSKU-0026 x 4\n"
          "SKU-0027 x 2\n\nMit freundlichen Gr\u00fc\u00dfen\nJ\u00fcrgen M\u00fcller\nTel: +49 30 1234567\n")
add("19-windows1252-no-charset", "", [("SKU-0026", 4), ("SKU-0027", 2)], raw=CP1252.encode("cp1252"))
UNKNOWN = ("From: Li Wei <li@wei.example>\nTo: orders@orderdesk.example\nSubject: Order\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=x-unknown-8bit\nContent-Transfer-Encoding: 8bit\n\n"
           "Hello \u2014 order for Zo\u00eb\u2019s caf\u00e9:\nSKU-0028 x 6\nSKU-0029 x 1\n\nThanks\nLi\n")
add("20-unknown-charset", "", [("SKU-0028", 6), ("SKU-0029", 1)], raw=UNKNOWN.encode("utf-8"))


def xlsx_po() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Purchase Order"
    sheet.append(["Lee & Daughters Ltd - Purchase Order"])
    sheet.append(["PO number", "PO-8841"])
    sheet.append([])
    sheet.append(["Line", "Product Code", "Description", "Qty", "Unit Price", "Total"])
    for row in [(1, "SKU-0001", "Widget red", 24, 2.5), (2, "sku-0002", "Widget green", 12.0, 2.5),
                (3, "SKU-0003", "Widget yellow", 6, 2.5), (4, "BLT-M8-40", "Bolts M8x40", 500, 0.05)]:
        sheet.append([*row, row[3] * row[4]])
    sheet.append([None, None, "Total", None, None, 123.45])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


add("21-xlsx-po", "Please find our PO attached.\n" + SIG,
    [("SKU-0001", 24), ("SKU-0002", 12), ("SKU-0003", 6), ("BLT-M8-40", 500)], subject="PO-8841",
    attachments=[("PO-8841.xlsx", xlsx_po(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")])

PDF_HTML = """<html><body style="font-family: sans-serif; font-size: 10pt">
<h1>Purchase Order PO-9912</h1><p>Lee &amp; Daughters Ltd, Unit 4, Leeds Road, Leeds LS1 4AB</p>
<p>Delivery by 12/12/2026</p><table><tr><th>Item</th><th>Description</th><th>Qty</th><th>Price</th></tr>
<tr><td>SKU-0004</td><td>Widget blue</td><td>40</td><td>£2.50</td></tr>
<tr><td>SKU-0005</td><td>Widget black</td><td>15</td><td>£2.50</td></tr>
<tr><td>GLV-NIT-L</td><td>Nitrile gloves L (box 100)</td><td>30</td><td>£4.10</td></tr></table>
<p>Total £269.50 excl. VAT</p><p>VAT Reg No GB123456789</p></body></html>"""
add("22-pdf-po", "PO attached, thanks.\n\nAnn", [("SKU-0004", 40), ("SKU-0005", 15), ("GLV-NIT-L", 30)],
    subject="PO-9912", attachments=[("PO-9912.pdf", HTML(string=PDF_HTML).write_pdf(), "application/pdf")])


def scanned_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


add("23-pdf-scan", "Scanned PO attached.\n\nAnn", [], unread=["PO-7000.pdf has no text"], subject="PO-7000",
    attachments=[("PO-7000.pdf", scanned_pdf(), "application/pdf")])
add("24-csv", "Order attached as CSV.\n", [("SKU-0006", 7), ("SKU-0007", 1000), ("TAPE-48-GRY", 3)],
    attachments=[("order.csv", b"sku,quantity\nSKU-0006,7\nSKU-0007,\"1,000\"\ntape-48-gry,3\n", "text/csv")])
add("25-unreadable-lines", "Hi,\n\nSKU-0008 x 4\nSKU-9999 x 4\nSKU-0009 and SKU-0010 x 3 each\nWidget 3\n"
    "SKU-0011 please\n\nThanks\nTom", [("SKU-0008", 4)],
    unread=["SKU-9999", "SKU-0009 and SKU-0010", "SKU-0011 please"])
add("26-signature-heavy", "Please send SKU-0012 x 2 today.\n\n-- \nBob Smith | Buyer\nPhone 0113 496 0000 ext 22\n"
    "Mob: 07700 900 123\nVAT Reg: GB 123 4567 89\nCompany Reg No 01234567\nUnit 12, Park Road, Leeds LS2 9JT\n"
    "www.smith-supplies.example\nRef SS-2024 ISO 9001 certified\n", [("SKU-0012", 2)])
GMAIL_REPLY = """<div dir="ltr">Please also add<div>SKU-0013 x 4</div><div>SKU-0014 x 1</div><div><br></div>
<div>Thanks, Priya</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 30 Nov 2026 at
09:00, Order Desk &lt;orders@orderdesk.example&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px
0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div>Your order:</div><table><tr><td>SKU</td>
<td>Qty</td></tr><tr><td>SKU-0015</td><td>9</td></tr><tr><td>SKU-0016</td><td>9</td></tr></table></blockquote></div>"""
add("27-gmail-html-reply", "Please also add\nSKU-0013 x 4\nSKU-0014 x 1\n\nThanks, Priya\n\nOn Mon, 30 Nov 2026 at "
    "09:00, Order Desk <orders@orderdesk.example> wrote:\n> Your order:\n> SKU Qty\n> SKU-0015 9\n> SKU-0016 9\n",
    [("SKU-0013", 4), ("SKU-0014", 1)], html=GMAIL_REPLY, subject="Re: Order")
add("28-prose", "Hi there,\n\nCould you send 4 of SKU-0017 please, and 2 x SKU-0018 as well.\n"
    "We also need 12 of the SKU-0019 for the Leeds site.\nDelivery to Unit 4 by 10am on the 3rd if possible.\n"
    + SIG, [("SKU-0017", 4), ("SKU-0018", 2), ("SKU-0019", 12)])
add("29-outlook-fw-table", "Please process for us.\n\nRegards\nJo\n\n________________________________\n"
    "From: Ann Lee <ann@lee.example>\nSent: 30 November 2026 16:02\nTo: Jo Brown <jo@lee.example>\n"
    "Subject: order\n\nSKU\tQTY\nSKU-0020\t5\nSKU-0021\t10\nSKU-0022\t15\n",
    [("SKU-0020", 5), ("SKU-0021", 10), ("SKU-0022", 15)], subject="FW: order")
add("30-pipes-and-at", "Order:\n| SKU | Qty | Price |\n| SKU-0023 | 8 | £1.20 |\n| SKU-0024 | 30 | £0.40 |\n"
    "\nSKU-0025 @ 3\n" + SIG, [("SKU-0023", 8), ("SKU-0024", 30), ("SKU-0025", 3)])

add("31-dear-sir-po-lines", "Dear Sir/Madam,\n\nWe would like to order the following items:\n\n"
    "SKU-0001 Widget red 10 £2.50 £25.00\n10 of SKU-0002\n20 off SKU-0003\nSKU-0004 (qty 6)\nSKU-0005 [x2]\n\n"
    "Please deliver to Gate 3, Unit 12B by 14:00.\n\nYours faithfully\n\nR. Patel\nBuyer\n",
    [("SKU-0001", 10), ("SKU-0002", 10), ("SKU-0003", 20), ("SKU-0004", 6), ("SKU-0005", 2)])
add("32-html-only-paragraphs", "", [("SKU-0006", 4), ("SKU-0007", 5), ("SKU-0008", 3)], raw=(
    b"From: Kim <kim@cafe.example>\nTo: orders@orderdesk.example\nSubject: order\nMIME-Version: 1.0\n"
    b"Content-Type: text/html; charset=utf-8\n\n<html><body><p>Hi,</p><p>SKU-0006&nbsp;&mdash; 4 units</p>"
    b"<p>SKU-0007 &times;5</p><p><span style='color:red'>SKU-0008</span> x <b>3</b></p>"
    b"<p>Thanks!<br>Kim<br>Tel 0113 496 0555</p></body></html>"))
add("33-qty-column-first", "Hi,\n\nQty\tSKU\tDescription\n4\tSKU-0009\tWidget\n12\tSKU-0010\tGadget\n"
    "1\tSKU-0011\tGizmo\n\nthanks\n", [("SKU-0009", 4), ("SKU-0010", 12), ("SKU-0011", 1)])
add("34-top-posted-outlook-reply", "Hi, please can we have 2 more of SKU-0012 and 5 x SKU-0013.\n\nAnn\n\n"
    "________________________________\nFrom: Order Desk <orders@orderdesk.example>\nSent: Monday, November 30, "
    "2026 9:00 AM\nTo: Ann Lee <ann@lee.example>\nSubject: Your order SO-2026-00123\n\nThank you for your order:\n"
    "SKU-0014 x 10\nSKU-0015 x 4\n", [("SKU-0012", 2), ("SKU-0013", 5)], subject="RE: Your order SO-2026-00123")
add("35-words-and-odd-forms", "Hello\n\ntwo boxes of SKU-0016 please\nSKU-0017 x 4 and 2 of SKU-0018\n"
    "SKU-0019 qty: 1,500\nSKU0020 x 3\n\nRegards\nJo\n",
    [("SKU-0016", 2), ("SKU-0017", 4), ("SKU-0018", 2), ("SKU-0019", 1500), ("SKU-0020", 3)])

if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for name, (raw, expected) in CORPUS.items():
        (HERE / f"{name}.eml").write_bytes(raw)
        (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"{len(CORPUS)} emails, {sum(len(e['lines']) for _r, e in CORPUS.values())} lines")
