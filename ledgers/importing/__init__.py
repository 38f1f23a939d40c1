"""Spreadsheet imports of the register: reading, checking and saving rows (ledgers/importing/service.py)."""
