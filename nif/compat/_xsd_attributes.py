"""The attribute half of the XSD walk: required attributes added, attributes dropped,
attribute types narrowed, and attribute wildcards (anyAttribute) with the globals they select.

A mixin of the walk in `_xsd_compare`: it reports through the walk's `unknown`, `candidate`,
`simple` and `record`, so doubts, witnesses and changes share one memo.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AttributeWalk"]

# Generic attribute values to try when OLD's attribute has no fixed, default or enumeration.
_GENERIC_VALUES = ("1", "a", "true", "0", "2000-01-01", "2000-01-01T00:00:00", "P1D", "")

_WildcardKey = tuple[tuple[tuple[str, ...], tuple[str, ...]], str]


class AttributeWalk:
    """Attribute comparison; the concrete walk supplies the outcome methods below."""

    old: Any
    new: Any
    root: str
    attribute_wildcards: set[_WildcardKey]

    def unknown(self, path: list[str], reason: str) -> None:
        raise NotImplementedError

    def candidate(
        self,
        path: list[str],
        reason: str,
        *,
        children: list[str] | None = None,
        value: str | None = None,
        attribute: str | None = None,
        minimal: bool = False,
    ) -> None:
        raise NotImplementedError

    def simple(self, old: Any, new: Any, path: list[str], attribute: str | None) -> None:
        raise NotImplementedError

    def record(self, path: list[str], kind: str, detail: str, old: Any, new: Any) -> None:
        raise NotImplementedError

    def attributes(self, old: Any, new: Any, path: list[str]) -> None:
        """Required attributes added, attributes dropped, attribute types narrowed."""
        where = "/".join(path) or self.root
        old_attrs = dict(old.attributes) if old is not None else {}
        new_attrs = dict(new.attributes) if new is not None else {}
        old_any, new_any = old_attrs.pop(None, None), new_attrs.pop(None, None)
        for name in sorted(new_attrs.keys() - old_attrs.keys()):
            attr = new_attrs[name]
            if attr.use != "prohibited":
                self.record(path, "attribute-added", f"@{_local(name)} ({attr.use})", None, attr)
        for name, attr in new_attrs.items():
            if attr.use == "required" and (
                name not in old_attrs or old_attrs[name].use != "required"
            ):
                if name in old_attrs:
                    self.record(
                        path, "attribute-required", f"@{_local(name)}", old_attrs[name], attr
                    )
                self.candidate(path, f"{where}: attribute {_local(name)} required on NEW")
        if (old_any is None) != (new_any is None) or (
            old_any is not None and not _same_wildcard(old_any, new_any)
        ):
            self.record(path, "wildcard", "attribute wildcard changed", old_any, new_any)
        if old_any is not None:
            if new_any is None or not _same_wildcard(old_any, new_any):
                self.unknown(path, f"{where}: attribute wildcard changed (not compared)")
            elif old_any.process_contents != "skip":
                self.attribute_globals(old_any, path)
        for name in new_attrs.keys() - old_attrs.keys():
            if old_any is not None and old_any.is_matching(name):
                self.unknown(path, f"{where}/@{_local(name)}: declared on NEW, wildcard on OLD")
        for name, attr in old_attrs.items():
            if attr.use == "prohibited":
                continue
            target = new_attrs.get(name)
            if target is None or target.use == "prohibited":
                self.record(path, "attribute-removed", f"@{_local(name)}", attr, target)
                self.dropped(name, attr, new_any, path)
                continue
            if target.fixed is not None and target.fixed != attr.fixed:
                self.record(
                    path, "fixed", f"@{_local(name)} fixed to {target.fixed!r}", attr, target
                )
                self.unknown(path, f"{where}/@{_local(name)}: NEW fixes it to {target.fixed!r}")
            self.simple(attr.type, target.type, path, name)

    def attribute_globals(self, wildcard: Any, path: list[str]) -> None:
        """An identical lax/strict anyAttribute: compare the global attributes it selects."""
        contents = wildcard.process_contents
        key = (tuple(wildcard.namespace), tuple(getattr(wildcard, "not_namespace", ()) or ()))
        if (key, contents) in self.attribute_wildcards:
            return
        self.attribute_wildcards.add((key, contents))
        where = "/".join(path) or self.root

        def selected(schema: Any) -> dict[str, Any]:
            return {
                n: a
                for n, a in schema.maps.attributes.items()
                if isinstance(n, str) and wildcard.is_matching(n)
            }

        old_globals, new_globals = selected(self.old), selected(self.new)
        added = sorted(new_globals.keys() - old_globals.keys())
        for name in added:
            self.record(path, "attribute-added", f"global @{_local(name)}", None, new_globals[name])
        if contents == "lax" and added:
            self.unknown(path, f"{where}: lax anyAttribute; NEW declares more global attributes")
        for name, attr in sorted(old_globals.items()):
            target = new_globals.get(name)
            if target is not None:
                self.simple(attr.type, target.type, path, name)
            else:
                self.record(path, "attribute-removed", f"global @{_local(name)}", attr, None)
                self.unknown(path, f"{where}/@{_local(name)}: global attribute gone from NEW")

    def dropped(self, name: str, attr: Any, new_any: Any, path: list[str]) -> None:
        where = f"{'/'.join(path) or self.root}/@{_local(name)}"
        if new_any is not None and new_any.is_matching(name):
            if new_any.process_contents != "skip":
                self.unknown(path, f"{where}: now matched by an attribute wildcard")
            return
        value = _sample(attr)
        if value is None:
            self.unknown(path, f"{where}: allowed on OLD only; no value found for a witness")
            return
        self.candidate(path, f"{where}: allowed on OLD, not on NEW", value=value, attribute=name)


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


def _same_wildcard(old: Any, new: Any) -> bool:
    return bool(
        list(old.namespace) == list(new.namespace)
        and list(getattr(old, "not_namespace", ()) or ())
        == list(getattr(new, "not_namespace", ()) or ())
        and old.process_contents == new.process_contents
    )


def _sample(attr: Any) -> str | None:
    """A lexical value OLD's attribute accepts (only a candidate: the engines decide)."""
    simple = attr.type
    tried: list[str] = [v for v in (attr.fixed, attr.default) if v is not None]
    tried += [str(v) for v in (getattr(simple, "enumeration", None) or [])]
    tried += _GENERIC_VALUES
    for text in tried:
        try:
            if simple.is_valid(text):
                return text
        except Exception:  # a candidate the type cannot even decode
            continue
    return None
