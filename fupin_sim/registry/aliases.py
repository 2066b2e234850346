"""The alias table (``data/registry_aliases.yaml``): canonical fields, their header names and value words.

Users extend it without code: more aliases in that file, or a file of the same shape passed as
``--aliases FILE``, whose lists are appended to the shipped ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fupin_sim.config import yamlfile
from fupin_sim.errors import UserError

ALIAS_FILE = Path(__file__).resolve().parents[2] / "data" / "registry_aliases.yaml"
LEVELS = ("household", "member")


@dataclass(frozen=True)
class Field:
    """One canonical column of a registry export.

    Attributes:
        name: the canonical name (``id_number``, ``wage_cny`` …).
        kind: ``text``, ``number``, ``flag`` or the name of a vocabulary under ``values``.
        aliases: header names that mean this field.
        level: ``household`` or ``member`` (village-file fields: ``village``).
        required: the import stops when no column matches.
        personal: never leaves the import; messages never show its value.
        default: value of an optional flag when missing or blank.
        invert: the flag is the opposite of the model's "have".
    """

    name: str
    kind: str
    aliases: tuple[str, ...]
    level: str = "household"
    required: bool = False
    personal: bool = False
    default: Any = None
    invert: bool = False


@dataclass
class AliasTable:
    """Fields of the household file and of the village file, and the value vocabularies."""

    fields: dict[str, Field]
    village_fields: dict[str, Field]
    values: dict[str, Any] = field(default_factory=dict)

    def vocabulary(self, kind: str) -> dict[str, str]:
        """Cell word → code for a vocabulary kind (``cause``, ``health`` …)."""
        return {word: code for code, words in self.values[kind].items() for word in words}


def load_aliases(extra: Path | str | None = None) -> AliasTable:
    """The shipped alias table, extended by ``extra`` (same shape; lists are appended).

    Raises:
        UserError: ``extra`` is missing or not a valid alias file.
    """
    table = _read(ALIAS_FILE)
    if extra is not None:
        _extend(table, _read(Path(extra)), str(extra))
    return AliasTable(
        fields=_fields(table["fields"], "household"),
        village_fields=_fields(table["village_fields"], "village"),
        values=table["values"],
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"alias file {path} not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not a valid alias file ({str(err).splitlines()[0]}); fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: an alias file is a mapping with fields, village_fields and values")
    return data


def _extend(table: dict[str, Any], extra: dict[str, Any], file: str) -> None:
    """Append ``extra``'s aliases and value words to ``table``'s."""
    unknown = set(extra) - {"fields", "village_fields", "values"}
    if unknown:
        raise UserError(
            f"{file}: unknown section(s) {', '.join(sorted(unknown))}; use fields, village_fields or values"
        )
    for section in ("fields", "village_fields"):
        for name, spec in (extra.get(section) or {}).items():
            if name not in table[section]:
                known = ", ".join(sorted(table[section]))
                raise UserError(f"{file}: {section}.{name} is not a field; extend one of: {known}")
            table[section][name]["aliases"] = [*table[section][name]["aliases"], *(spec.get("aliases") or [])]
    for kind, words in (extra.get("values") or {}).items():
        if kind not in table["values"]:
            raise UserError(f"{file}: values.{kind} is not a vocabulary; extend one of: {', '.join(table['values'])}")
        if isinstance(words, dict):
            for code, more in words.items():
                table["values"][kind].setdefault(code, [])
                table["values"][kind][code] = [*table["values"][kind][code], *more]
        else:
            table["values"][kind] = [*table["values"][kind], *words]


def _fields(specs: dict[str, dict[str, Any]], default_level: str) -> dict[str, Field]:
    return {
        name: Field(
            name=name,
            kind=spec["kind"],
            aliases=tuple(str(alias) for alias in spec["aliases"]),
            level=spec.get("level", default_level),
            required=bool(spec.get("required", False)),
            personal=bool(spec.get("personal", False)),
            default=spec.get("default"),
            invert=bool(spec.get("invert", False)),
        )
        for name, spec in specs.items()
    }
