"""The agencies of the demo registry, as the catalogue lists them, in both stores."""

from __future__ import annotations

import pytest

from nif import catalogue
from nif.errors import NotFoundError
from nif.registry import Registry
from tests.catalogue.conftest import INTERFACES, as_json


def test_agencies_are_listed_by_name_with_their_interface_counts(demo: Registry) -> None:
    found = catalogue.agencies(demo.store)
    assert [a.identifier for a in found] == ["busreg", "civreg", "socsec", "tax", "vehreg"]
    assert [a.name for a in found] == sorted(a.name for a in found)
    by_id = {a.identifier: a for a in found}
    assert by_id["civreg"].name == "Civil Registry Office"
    assert by_id["civreg"].homepage == "https://civreg.example.gov/"
    assert by_id["civreg"].interfaces == 2
    assert sum(a.interfaces for a in found) == len(INTERFACES)
    assert as_json(found[0])["identifier"] == "busreg"


def test_an_agency_has_its_contacts_and_its_interfaces(demo: Registry) -> None:
    civreg = catalogue.agency(demo.store, "civreg")
    assert civreg.iri == "https://registry.nif.example/agency/civreg"
    assert [c.email for c in civreg.contacts] == ["iop@civreg.example.gov"]
    assert [i.identifier for i in civreg.interfaces.items] == ["civreg-address", "civreg-birth"]
    assert civreg.interfaces.total == 2
    with pytest.raises(NotFoundError, match="no agency with identifier 'nope'"):
        catalogue.agency(demo.store, "nope")
    with pytest.raises(NotFoundError):
        catalogue.agency(demo.store, "civreg-birth")  # an interface, not an agency
