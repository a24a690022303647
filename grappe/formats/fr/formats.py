# 25 nov. 2026 · 25 nov. 2026, 14:30 (Europe/Paris)
DATE_FORMAT = SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j N Y, H:i"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"  # narrow no-break space, as Django's French formats
NUMBER_GROUPING = 3
