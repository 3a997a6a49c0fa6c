"""JSON Schema: nif end to end vs raw jsonschema-rs and raw jsonschema on the same messages.

4,000 generated change-of-address messages (a civil-registry style schema with `$ref`s, patterns,
formats, enums and `additionalProperties: false`), 40 % of them invalid in varied ways. Every
contender parses the bytes and collects all errors with format assertions on; the baseline is
raw jsonschema-rs (`json.loads` + `iter_errors`). `nif parse` is nif's strict parse alone
(duplicate keys, encodings), `nif check` its parse + compiled step with findings, without the
report and step machinery of `validate()`. A finding's line and column are found when first
read, so `validate()` alone does not pay for them: `validate() + JSON report` does, as a
service answering with the report would (not a target, shown for what positions cost).
Times are CPU time (`time.process_time`), best of the rounds.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MESSAGES = 4000
INVALID_SHARE = 0.4
ROUNDS = 5

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://schemas.nif.example.gov/civil-registry/change-of-address.json",
    "type": "object",
    "required": ["messageId", "sent", "sender", "person", "newAddress", "movers"],
    "additionalProperties": False,
    "properties": {
        "messageId": {"type": "string", "format": "uuid"},
        "sent": {"type": "string", "format": "date-time"},
        "sender": {"$ref": "#/$defs/agency"},
        "person": {"$ref": "#/$defs/person"},
        "previousAddress": {"$ref": "#/$defs/address"},
        "newAddress": {"$ref": "#/$defs/address"},
        "movingDate": {"type": "string", "format": "date"},
        "movers": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/person"}},
        "contact": {
            "type": "object",
            "properties": {
                "email": {"type": "string", "format": "email"},
                "phone": {"type": "string", "pattern": "^\\+[0-9]{8,15}$"},
            },
        },
        "consent": {"type": "boolean"},
    },
    "$defs": {
        "agency": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "pattern": "^AG-[0-9]{4}$"},
                "name": {"type": "string", "minLength": 2},
            },
        },
        "person": {
            "type": "object",
            "required": ["nationalId", "familyName", "birthDate"],
            "additionalProperties": False,
            "properties": {
                "nationalId": {"type": "string", "pattern": "^[0-9]{9}$"},
                "familyName": {"type": "string", "minLength": 1, "maxLength": 100},
                "givenNames": {"type": "array", "items": {"type": "string"}},
                "birthDate": {"type": "string", "format": "date"},
                "sex": {"enum": ["F", "M", "X"]},
                "nationality": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
        },
        "address": {
            "type": "object",
            "required": ["street", "houseNumber", "postcode", "municipality"],
            "properties": {
                "street": {"type": "string"},
                "houseNumber": {"type": "integer", "minimum": 1},
                "suffix": {"type": "string", "maxLength": 4},
                "postcode": {"type": "string", "pattern": "^[0-9]{4} ?[A-Z]{2}$"},
                "municipality": {"type": "string"},
                "country": {"type": "string", "default": "NLD"},
            },
        },
    },
}

NAMES = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
GIVEN = ["Eva", "Daan", "Sanne", "Lucas", "Emma", "Noah", "Julia", "Sem"]
TOWNS = ["Utrecht", "Zwolle", "Leiden", "Delft", "Assen", "Breda", "Venlo", "Hoorn"]


def person(rng: random.Random) -> dict:
    return {
        "nationalId": f"{rng.randrange(10**8, 10**9)}",
        "familyName": rng.choice(NAMES),
        "givenNames": rng.sample(GIVEN, rng.randint(1, 3)),
        "birthDate": f"{rng.randint(1930, 2023)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        "sex": rng.choice("FMX"),
        "nationality": "NLD",
    }


def address(rng: random.Random) -> dict:
    return {
        "street": f"{rng.choice(NAMES)}straat",
        "houseNumber": rng.randint(1, 300),
        "postcode": f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGH')}{rng.choice('KLMNPR')}",
        "municipality": rng.choice(TOWNS),
    }


def message(rng: random.Random, index: int) -> dict:
    movers = [person(rng) for _ in range(rng.randint(1, 5))]
    return {
        "messageId": f"{rng.getrandbits(32):08x}-4f1c-4a3e-9b2d-{index:012x}",
        "sent": f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}T10:{index % 60:02}:00Z",
        "sender": {"id": f"AG-{rng.randint(1000, 9999)}", "name": "Gemeente " + TOWNS[index % 8]},
        "person": dict(movers[0]),
        "previousAddress": address(rng),
        "newAddress": address(rng),
        "movingDate": f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        "movers": movers,
        "contact": {"email": f"{movers[0]['familyName'].replace(' ', '')}@example.org"},
        "consent": True,
    }


def spoil(rng: random.Random, doc: dict) -> None:
    """One to three realistic mistakes."""
    mistakes: list[Callable[[], None]] = [
        lambda: doc["person"].pop("birthDate"),
        lambda: doc["newAddress"].update(postcode="12345"),
        lambda: doc["newAddress"].update(houseNumber="12a"),
        lambda: doc["previousAddress"].update(suffix="toolong"),
        lambda: doc.update(movingDate="2024-13-01"),
        lambda: doc["contact"].update(email="no-at-sign"),
        lambda: doc.update(remarks="free text is not allowed"),
        lambda: doc["sender"].update(id="AG-12"),
        lambda: doc.update(movers=[]),
        lambda: doc["person"].update(nationalId=123456789),
    ]
    for mistake in rng.sample(mistakes, rng.randint(1, 3)):
        mistake()


def messages() -> list[bytes]:
    rng = random.Random(20240501)
    out = []
    for index in range(MESSAGES):
        doc = message(rng, index)
        if rng.random() < INVALID_SHARE:
            spoil(rng, doc)
        out.append(json.dumps(doc, indent=2, ensure_ascii=False).encode())
    return out


def best_rates(contenders: dict[str, Callable[[], int]]) -> dict[str, tuple[float, int]]:
    """Best seconds and invalid count of each; rounds interleave so load on the box hits all."""
    best = {name: (float("inf"), 0) for name in contenders}
    for _ in range(ROUNDS):
        for name, run in contenders.items():
            started = time.process_time()
            invalid = run()
            best[name] = (min(best[name][0], time.process_time() - started), invalid)
    return best


def main() -> None:
    import jsonschema
    import jsonschema_rs

    from bench._summary import target
    from nif.report import Verdict
    from nif.settings import Settings
    from nif.validate import Profile, validate
    from nif.validate._json import parse_json
    from nif.validate._json_references import load_json_schema
    from nif.validate._jsonschema import compile_json_schema

    data = messages()
    size = sum(map(len, data)) / len(data) / 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "change-of-address.json"
        path.write_text(json.dumps(SCHEMA, indent=2))
        profile = Profile.from_files(json_schema=path)
        step = compile_json_schema(load_json_schema(path), format_assertions=True)
    settings = Settings().replace(
        json_format_assertions=True
    )  # as the raw engines: formats asserted
    rs = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
    py = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

    def raw(validator: object) -> Callable[[], int]:
        def run() -> int:
            return sum(1 for m in data if list(validator.iter_errors(json.loads(m))))  # type: ignore[attr-defined]

        return run

    def nif_check() -> int:
        invalid = 0
        for m in data:
            parsed = parse_json(m, max_bytes=settings.validation.max_message_bytes)
            assert parsed.document is not None
            invalid += bool(parsed.findings or step.check(parsed.document).findings)
        return invalid

    def nif_parse() -> int:
        return sum(
            bool(parse_json(m, max_bytes=settings.validation.max_message_bytes).findings)
            for m in data
        )

    def nif_validate() -> int:
        return sum(validate(m, profile, settings=settings).verdict is Verdict.INVALID for m in data)

    def nif_report() -> int:
        invalid = 0
        for m in data:
            report = validate(m, profile, settings=settings)
            invalid += report.to_dict()["verdict"] == "invalid"
        return invalid

    print(f"JSON Schema: {len(data)} messages, {size:.1f} KiB each on average")
    contenders = {
        "raw jsonschema-rs (baseline)": raw(rs),
        "raw jsonschema": raw(py),
        "nif parse only (no schema)": nif_parse,
        "nif check (parse + step)": nif_check,
        "nif validate() end to end": nif_validate,
        "nif validate() + JSON report": nif_report,
    }
    results = best_rates(contenders)
    baseline = len(data) / next(iter(results.values()))[0]
    ratios = {}
    for name, (seconds, invalid) in results.items():
        rate = len(data) / seconds
        ratios[name] = rate / baseline
        print(f"  {name:30} {rate:9,.0f} msg/s  ratio {rate / baseline:5.2f}  invalid {invalid}")
    ratio = ratios["nif validate() end to end"]
    target(
        f"JSON Schema, {len(data):,} messages, end to end",
        f"{ratio:.2f}x",
        "raw jsonschema-rs (`json.loads` + `iter_errors`)",
        ">= 0.7x",
        ratio >= 0.7,
    )


if __name__ == "__main__":
    main()
