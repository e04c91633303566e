"""The live feed: dashboards follow the event log to know when to redraw their regions."""
