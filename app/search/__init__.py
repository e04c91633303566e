"""One search over every order, for every team: filters, saved searches, CSV export."""
