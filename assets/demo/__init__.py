"""Demo data for ``manage.py seed_demo``: a made-up 麦盖提县 register (names, catalogue, loader).

Only illustrative: real data comes from the county by import.
"""
