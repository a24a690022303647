"""Funding pages, by concern: pages (opening, budget, co-funding), statements."""
