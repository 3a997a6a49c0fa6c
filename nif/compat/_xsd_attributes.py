"""The attribute half of the XSD walk: required attributes added, attributes dropped,
attribute types narrowed, and attribute wildcards (anyAttribute) with the globals they select.

A mixin of the walk in `_xsd_compare`: it reports through the walk's `unknown`, `candidate`,
`simple` and `record`, so doubts, witnesses and changes share one memo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nif.compat._content import UnsupportedModel, wildcard_namespaces
from nif.compat._xsd_verify import Outcomes

__all__ = ["AttributeWalk", "sample_value"]

# Generic attribute values to try when OLD's attribute has no fixed, default or enumeration.
_GENERIC_VALUES = ("1", "a", "true", "0", "2000-01-01", "2000-01-01T00:00:00", "P1D", "")

_WildcardKey = tuple[tuple[tuple[str, ...], tuple[str, ...]], str]
_RANK = {"skip": 0, "lax": 1, "strict": 2}
_OTHER = "urn:nif:compat:other"
# Values an undeclared attribute may carry, to meet a NEW declaration that refuses them.
_ODD_VALUES = ("nif x", "", "-1", "x")


class AttributeWalk(Outcomes):
    """Attribute comparison; the concrete walk supplies the declaration methods below."""

    attribute_wildcards: set[_WildcardKey]

    def fixed(
        self,
        old: Any,
        simple: Any,
        new: str,
        path: list[str],
        attribute: str | None,
        change: int | None = None,
    ) -> None:
        raise NotImplementedError

    def simple(self, old: Any, new: Any, path: list[str], attribute: str | None) -> None:
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
                change = None
                if name in old_attrs:
                    change = self.record(
                        path, "attribute-required", f"@{_local(name)}", old_attrs[name], attr
                    )
                reason = f"{where}: attribute {_local(name)} required on NEW"
                self.candidate(path, reason, change=change)
        if (old_any is None) != (new_any is None) or (
            old_any is not None and not _same_wildcard(old_any, new_any)
        ):
            self.record(path, "wildcard", "attribute wildcard changed", old_any, new_any)
        if old_any is not None:
            if new_any is None or not _same_wildcard(old_any, new_any):
                self.attribute_wildcard_pair(old_any, new_any, old_attrs, new_attrs, path)
            elif old_any.process_contents != "skip":
                self.attribute_globals(old_any, path)
        for name in sorted(new_attrs.keys() - old_attrs.keys()):
            if old_any is not None and old_any.is_matching(name):
                self.declared_attribute(old_any, name, new_attrs[name], path)
        for name, attr in old_attrs.items():
            if attr.use == "prohibited":
                continue
            target = new_attrs.get(name)
            if target is None or target.use == "prohibited":
                change = self.record(path, "attribute-removed", f"@{_local(name)}", attr, target)
                self.dropped(name, attr, new_any, path, change)
                continue
            if target.fixed is not None and target.fixed != attr.fixed:
                change = self.record(
                    path, "fixed", f"@{_local(name)} fixed to {target.fixed!r}", attr, target
                )
                self.fixed(attr.fixed, attr.type, target.fixed, path, name, change)
            if (
                _only_fixed(attr)
                and target.fixed in (None, attr.fixed)
                and _accepts(target.type, attr.fixed)
            ):
                continue  # OLD allows its fixed value alone, and NEW accepts it
            self.simple(attr.type, target.type, path, name)

    def attribute_wildcard_pair(
        self,
        old: Any,
        new: Any,
        old_attrs: dict[str, Any],
        new_attrs: dict[str, Any],
        path: list[str],
    ) -> None:
        """OLD's anyAttribute changed or gone: an attribute OLD's admits, NEW refuses."""
        where = "/".join(path) or self.root
        open_content = old.process_contents != "strict"
        reason = f"{where}: attribute wildcard {_show(old)} -> {_show(new) if new else 'none'}"
        declared = old_attrs.keys() | new_attrs.keys()
        excluded = sorted(n for n in getattr(new, "not_qname", None) or () if n[:1] == "{")
        names = [n for n in [*self.attribute_names(old), *excluded] if n not in declared]
        names = [n for n in dict.fromkeys(names) if old.is_matching(n)]
        gone = [n for n in names if new is None or not new.is_matching(n)]
        for name in gone:
            if self.try_attribute(path, reason, name, open_content):
                return
        if new is None:
            if names:
                self.unknown(path, reason, open_content=open_content)
            return
        try:
            within = wildcard_namespaces(old).within(wildcard_namespaces(new))
        except UnsupportedModel as exc:  # XSD 1.1 notQName and the like
            self.unknown(path, f"{reason}: {exc}", open_content=open_content)
            return
        if not within:
            self.unknown(path, reason, open_content=open_content)
            return
        if _RANK[new.process_contents] > _RANK[old.process_contents]:
            for name in names:
                if name not in self.new.maps.attributes and self.try_attribute(
                    path, reason, name, open_content
                ):
                    return
            self.unknown(path, reason, open_content=open_content)
        elif old.process_contents != "skip" and new.process_contents != "skip":
            self.attribute_globals(old, path)

    def attribute_names(self, wildcard: Any) -> list[str]:
        """Attribute names `wildcard` matches: OLD's global ones for a strict wildcard, else
        undeclared ones in each namespace it names."""
        if wildcard.process_contents == "strict":
            return sorted(n for n in self.old.maps.attributes if wildcard.is_matching(n))
        target = wildcard.target_namespace or ""
        spaces = [_OTHER, target, *sorted(n for n in wildcard.namespace if not n.startswith("#"))]
        found = [f"{{{ns}}}nifOther" if ns else "nifOther" for ns in dict.fromkeys(spaces)]
        return [n for n in [*found, "nifOther"] if wildcard.is_matching(n)]

    def try_attribute(self, path: list[str], reason: str, name: str, open_content: bool) -> bool:
        """One attribute witness; True when the engines confirmed it."""
        declared = self.old.maps.attributes.get(name)
        value = _sample(declared) if declared is not None else "x"
        if value is None:
            return False
        return (
            self.attempt(path, reason, value=value, attribute=name, open_content=open_content)
            is None
        )

    def declared_attribute(self, old_any: Any, name: str, attr: Any, path: list[str]) -> None:
        """NEW declares an attribute OLD's wildcard admitted: a value NEW's type refuses."""
        where = f"{'/'.join(path) or self.root}/@{_local(name)}"
        open_content = old_any.process_contents != "strict"
        if not open_content and name not in self.old.maps.attributes:
            return  # OLD's strict wildcard admits no attribute it does not declare
        reason = f"{where}: declared on NEW, matched by OLD's attribute wildcard"
        if old_any.process_contents != "strict" and name not in self.old.maps.attributes:
            for value in _ODD_VALUES:
                if not _accepts(attr.type, value) and (
                    self.attempt(
                        path, reason, value=value, attribute=name, open_content=open_content
                    )
                    is None
                ):
                    return
        self.unknown(path, reason, open_content=open_content)

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
            self.unknown(
                path,
                f"{where}: lax anyAttribute; NEW declares more global attributes",
                open_content=True,
            )
        for name, attr in sorted(old_globals.items()):
            target = new_globals.get(name)
            if target is not None:
                self.simple(attr.type, target.type, path, name)
            else:
                self.record(path, "attribute-removed", f"global @{_local(name)}", attr, None)
                self.unknown(path, f"{where}/@{_local(name)}: global attribute gone from NEW")

    def dropped(
        self, name: str, attr: Any, new_any: Any, path: list[str], change: int | None = None
    ) -> None:
        where = f"{'/'.join(path) or self.root}/@{_local(name)}"
        if new_any is not None and new_any.is_matching(name):
            if new_any.process_contents != "skip":
                self.unknown(path, f"{where}: now matched by an attribute wildcard")
            return
        value = _sample(attr)
        if value is None:
            self.unknown(path, f"{where}: allowed on OLD only; no value found for a witness")
            return
        reason = f"{where}: allowed on OLD, not on NEW"
        self.candidate(path, reason, value=value, attribute=name, change=change)


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


def _same_wildcard(old: Any, new: Any) -> bool:
    return bool(
        sorted(old.namespace) == sorted(new.namespace)
        and sorted(getattr(old, "not_namespace", ()) or ())
        == sorted(getattr(new, "not_namespace", ()) or ())
        and sorted(getattr(old, "not_qname", ()) or ())
        == sorted(getattr(new, "not_qname", ()) or ())
        and old.process_contents == new.process_contents
    )


def _sample(attr: Any) -> str | None:
    """A lexical value OLD's attribute accepts (only a candidate: the engines decide)."""
    preferred = [v for v in (attr.fixed, attr.default) if v is not None]
    return sample_value(attr.type, preferred=preferred)


def sample_value(
    simple: Any, *, preferred: Sequence[str] = (), avoid: str | None = None
) -> str | None:
    """A lexical value `simple` accepts, not `avoid` (a candidate: the engines decide)."""
    if simple is None:
        return None
    tried: list[str] = list(preferred)
    tried += [str(v) for v in (getattr(simple, "enumeration", None) or [])]
    tried += _GENERIC_VALUES
    for text in tried:
        if text != avoid and _accepts(simple, text):
            return text
    return None


def _only_fixed(attr: Any) -> bool:
    """Whether OLD's attribute accepts one lexical form only: its fixed value, on a type
    that keeps whitespace (a collapsing type also takes " 1.0 ", a number "1.00")."""
    return attr.fixed is not None and getattr(attr.type, "white_space", None) == "preserve"


def _accepts(simple: Any, text: str) -> bool:
    try:
        return bool(simple.is_valid(text))
    except Exception:  # a candidate the type cannot even decode
        return False


def _show(wildcard: Any) -> str:
    spaces = " ".join(sorted(wildcard.namespace)) or "##any"
    return f"{spaces} ({wildcard.process_contents})"
