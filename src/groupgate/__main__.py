"""``python -m groupgate``: the groupgate command."""

from groupgate.command import entry_point

entry_point()
