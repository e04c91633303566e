"""The business's own data in and out as CSV files: products, customers, prices, opening stock.

`files` reads a CSV (encoding, header, records with their line numbers); one module per kind
(`products`, `customers`, `prices`, `stock`) checks each record and writes a whole file in
bulk; `services` checks a whole file (nothing written) and applies it all or nothing as one
event; `exports` writes the same columns back out.
"""
