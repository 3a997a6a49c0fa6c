"""`python -m nif.settings --table`: the settings table, for docs/reference/settings.md."""

import sys

from nif.settings import settings_table

if sys.argv[1:] != ["--table"]:
    sys.exit("usage: python -m nif.settings --table")
sys.stdout.write(settings_table())
