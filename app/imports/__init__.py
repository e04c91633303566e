"""The import and export page (manager and admin): upload → preview → apply; exports."""
