"""``fieldpad config list|get|set``: this profile's settings, sealed in the vault."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ._common import Parents, command, group, out, unlock

if TYPE_CHECKING:
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(sub, "config", "settings of this profile (sealed in the vault)")
    command(actions, "list", "every setting, its value and what it does", parents.unlock,
            cmd_config_list)
    p = command(actions, "get", "one setting's value", parents.unlock, cmd_config_get)
    p.add_argument("key", help="the setting's name (`fieldpad config list` shows them)")
    p = command(actions, "set", "change a setting", parents.unlock, cmd_config_set)
    p.add_argument("key", help="the setting's name (`fieldpad config list` shows them)")
    p.add_argument("value", help="its new value (yes/no for a switch, a number for minutes)")


def cmd_config_list(profile: Profile, args: argparse.Namespace) -> int:
    from store import SETTINGS

    values = unlock(profile, args).settings()
    for key, setting in SETTINGS.items():
        out(f"{key} = {json.dumps(values[key])}")
        out(f"    {setting.doc}")
    return 0


def _setting(key: str):  # noqa: ANN202 - store.Setting
    from store import SETTINGS, FieldpadError

    if key not in SETTINGS:
        raise FieldpadError(f"no setting {key!r}; `fieldpad config list` shows them")
    return SETTINGS[key]


def cmd_config_get(profile: Profile, args: argparse.Namespace) -> int:
    _setting(args.key)
    value = unlock(profile, args).settings()[args.key]
    out(value if isinstance(value, str) else json.dumps(value))
    return 0


def cmd_config_set(profile: Profile, args: argparse.Namespace) -> int:
    from store import invalid

    setting = _setting(args.key)
    try:
        value = setting.parse(args.value)
    except ValueError as exc:
        raise invalid(args.key, str(exc)) from None
    unlock(profile, args).set_setting(args.key, value)
    return 0
