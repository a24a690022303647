"""One date format per language (settings.FORMAT_MODULE_PATH): the short and long names give the
same format, so a page never mixes "25/11/2026" and "25 novembre 2026"."""
