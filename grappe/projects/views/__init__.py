"""Project pages, by concern: pages (lists, public and internal pages, grant), workplan."""
