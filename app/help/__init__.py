"""The guide in the app (the SOP's "OMS User Guide"): one page per team and the keyboard
shortcuts, kept in one list that the `?` dialog and the guides both read."""
