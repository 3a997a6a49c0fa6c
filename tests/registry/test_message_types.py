"""Message-type lookup: resolving --interface ID[@VERSION] --message-type T to registered
message types, and saying what exists when a name is unknown. `PinnedRegistry` is described in
test_profiles.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from nif.errors import NotFoundError, UsageError
from nif.registry._message_types import resolve_message_types, split_interface
from nif.registry._profiles import artefacts_of
from tests.registry.pinned import BASE, BIRTH_NS, MT, VEHICLE_XSD, PinnedRegistry, Ver


def test_split_interface() -> None:
    assert split_interface("civreg-birth") == ("civreg-birth", None)
    assert split_interface("civreg-birth@2.0.0") == ("civreg-birth", "2.0.0")
    with pytest.raises(UsageError, match="ID@VERSION"):
        split_interface("civreg-birth@")


def test_without_version_the_current_one(pinned: PinnedRegistry) -> None:
    refs = resolve_message_types(pinned.store, "civreg-birth")
    assert [r.name for r in refs] == [
        "civreg-birth@2.0.0/BirthNotification",
        "civreg-birth@2.0.0/BirthRegistration",
    ]
    notification = refs[0]
    assert notification.media == "xml"
    assert notification.root == "{urn:test:birth}BirthNotification"
    assert notification.discriminator is not None
    assert notification.discriminator.namespaces == (("b", BIRTH_NS),)
    assert notification.status == "http://purl.org/adms/status/Completed"
    assert notification.context == {
        "interface": "civreg-birth",
        "version": "2.0.0",
        "message_type": "BirthNotification",
        "status": "Completed",
    }
    schema, rules = artefacts_of(pinned.store, notification)
    assert (schema.role, rules.role) == ("schema", "rules")
    assert schema.main is not None
    assert schema.main.uri == f"{BASE}files/civreg-birth/schemas/birth.xsd"
    assert [p.uri for p in schema.parts] == [f"{BASE}files/civreg-birth/schemas/common/types.xsd"]


def test_exact_version_and_message_type(pinned: PinnedRegistry) -> None:
    refs = resolve_message_types(pinned.store, "civreg-birth", "1.0.0", "BirthRegistration")
    assert [r.name for r in refs] == ["civreg-birth@1.0.0/BirthRegistration"]
    assert refs[0].status == "http://purl.org/adms/status/Deprecated"


@pytest.mark.parametrize(
    ("interface", "version", "message_type", "says"),
    [
        ("civreg-brith", None, None, "no interface 'civreg-brith'.*did you mean civreg-birth"),
        (
            "civreg-birth",
            "9.9.9",
            None,
            r"no version 9.9.9 \(versions: 1.0.0, 2.0.0 \(current\), 3.0.0\)",
        ),
        (
            "civreg-birth",
            "2.0.0",
            "Death",
            r"no message type 'Death' \(message types: BirthNotification, BirthRegistration\)",
        ),
    ],
)
def test_unknown_names_list_what_exists(
    pinned: PinnedRegistry,
    interface: str,
    version: str | None,
    message_type: str | None,
    says: str,
) -> None:
    with pytest.raises(NotFoundError, match=says):
        resolve_message_types(pinned.store, interface, version, message_type)


def test_no_current_version_asks_for_one(pinned: PinnedRegistry) -> None:
    pinned.interface("plain", Ver("1.0.0", (MT("X", VEHICLE_XSD),)), Ver("1.10.0", ()))
    with pytest.raises(NotFoundError, match=r"no current version.*\(versions: 1.0.0, 1.10.0\)"):
        resolve_message_types(pinned.store, "plain")
    with pytest.raises(NotFoundError, match=r"plain@1\.10\.0 has no message types"):
        resolve_message_types(pinned.store, "plain", "1.10.0")


def test_an_agency_is_not_an_interface(pinned: PinnedRegistry) -> None:
    agency = f"{BASE}agency/civreg"
    ttl = f'<{agency}> a <http://www.w3.org/ns/org#Organization> ; <http://purl.org/dc/terms/identifier> "civreg" .'
    pinned.store.replace_graph(
        agency, Graph().parse(data=ttl, format="turtle").serialize(format="nt").encode()
    )
    with pytest.raises(NotFoundError, match="no interface 'civreg'"):
        resolve_message_types(pinned.store, "civreg")
