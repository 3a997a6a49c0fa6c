"""KoSIT validator configurations run as is: `scenarios.xml`, its scenarios and resources.

A configuration is loaded as one closed artefact set (`load_kosit`), read into its scenarios
(`read_scenarios`) and run as one step (`KositStep`): select the scenario by its `match`, run
its XSD and precompiled Schematron XSLT through nif's own steps (so the sandbox applies to every
stylesheet), build the report input, run the configuration's report XSLT, re-level findings
with `customLevel` and decide acceptance with `acceptMatch`.
"""

from nif.validate.kosit._load import kosit_references, load_kosit
from nif.validate.kosit._scenarios import KositConfiguration, Resource, Scenario, read_scenarios
from nif.validate.kosit._step import KositStep, compile_kosit
from nif.validate.kosit._xpath import Expressions

__all__ = [
    "Expressions",
    "KositConfiguration",
    "KositStep",
    "Resource",
    "Scenario",
    "compile_kosit",
    "kosit_references",
    "load_kosit",
    "read_scenarios",
]
