"""The HTTP stack's own cost per request, and the cost of encoding a report as JSON.

What `nif serve` spends on a validation beyond the check has two parts this measures apart
from nif's route: the ASGI server and the JSON encoder.

1. Server: a FastAPI app with one route that reads a 21 KB body and answers a small JSON, on
   uvicorn with h11 and asyncio's loop (pure Python, what `pip install uvicorn` gives), on
   uvicorn with httptools and uvloop (what it takes when they are installed) and on granian
   (when installed: its Rust HTTP stack). The figure is the server's CPU per request (its
   processes, from /proc) under 8 keep-alive clients, so the client's own cost is not in it.
2. JSON: a real report (the UBL example invoice with three elements it must not have, checked
   against the UBL 2.1 XSD) rendered with Python's `json` (indent 2, as nif did), orjson
   (indent 2, byte for byte the same: asserted) and msgspec (when installed; compact, so not
   the same bytes) - CPU microseconds per report.

Takes about a minute. `NIF_BENCH_SECONDS` bounds each server's run (default 6).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from bench._service import ROOT, Service, free_port, load
from nif.report import Report, dump_json
from nif.settings import Settings
from nif.validate import Profile, validate

EXTERNAL = ROOT.parent / "shared" / "external"
MESSAGE = EXTERNAL / "en16931" / "ubl" / "examples" / "ubl-tc434-example1.xml"
UBL_INVOICE = EXTERNAL / "ubl-2.1" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"

app = FastAPI()
"""The server benchmark's app: read the body, answer its size."""


@app.post("/echo")
async def echo(request: Request) -> Response:
    body = await request.body()
    return Response(b'{"size": %d}' % len(body), media_type="application/json")


def servers(port: int) -> dict[str, list[str]]:
    """Each server's command line, for those installed."""
    uvicorn = [sys.executable, "-m", "uvicorn", "bench.bench_service_stack:app"]
    uvicorn += ["--port", str(port), "--log-level", "warning"]
    found = {"uvicorn, h11 + asyncio": [*uvicorn, "--http", "h11", "--loop", "asyncio"]}
    if importlib.util.find_spec("httptools") and importlib.util.find_spec("uvloop"):
        found["uvicorn, httptools + uvloop"] = [*uvicorn, "--http", "httptools", "--loop", "uvloop"]
    if importlib.util.find_spec("granian"):
        found["granian, 1 worker"] = [
            *(sys.executable, "-m", "granian", "--interface", "asgi"),
            *("--port", str(port), "--workers", "1", "--log-level", "warning"),
            "bench.bench_service_stack:app",
        ]
    return found


def server_cpu(
    command: list[str], port: int, content: bytes, seconds: float
) -> tuple[float, float]:
    """(requests/s, server CPU microseconds per request) of `command` serving `app`."""
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(url + "/echo", content=b"x", timeout=5)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"{command[2]} did not start") from None
                time.sleep(0.1)

        async def send(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post(url + "/echo", content=content)

        load(send, 8, requests=400, seconds=3)  # warm-up
        result = load(send, 8, requests=100_000, seconds=seconds, service=Service(url, process))
        if result.failures():
            raise SystemExit(f"{command[2]}: {result.failures()}")
        return result.throughput, 1e6 * sum(result.cpu) / result.requests
    finally:
        process.terminate()
        process.wait(30)


def report_with_findings() -> Report:
    content = MESSAGE.read_bytes()
    for element in (b"<cac:AccountingSupplierParty>", b"<cac:PaymentMeans>", b"<cac:TaxTotal>"):
        content = content.replace(element, b"<cbc:Unexpected>x</cbc:Unexpected>" + element, 1)
    report = validate(content, Profile.from_files(xsd=UBL_INVOICE), settings=Settings())
    report.drop_raw_outputs()
    return report


def per_call(encode: Callable[[], object], rounds: int = 2000) -> float:
    """CPU microseconds per call."""
    encode()
    started = time.process_time()
    for _ in range(rounds):
        encode()
    return 1e6 * (time.process_time() - started) / rounds


def encoders(report: Report) -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {
        "json, indent 2 (before)": lambda: json.dumps(
            report.to_dict(), indent=2, ensure_ascii=False
        ),
        "orjson, indent 2 (dump_json)": lambda: dump_json(report.to_dict()),
    }
    if importlib.util.find_spec("msgspec"):
        import msgspec

        found["msgspec, compact"] = lambda: msgspec.json.encode(report.to_dict())
    found["to_dict alone"] = report.to_dict
    return found


def main() -> None:
    seconds = float(os.environ.get("NIF_BENCH_SECONDS", "6"))
    content = MESSAGE.read_bytes()
    print(f"load average {os.getloadavg()[0]:.2f}; body {len(content):,} bytes, 8 clients")
    print(f"  {'server':<30}{'req/s':>8}{'server CPU/request':>22}")
    port = free_port()
    for name, command in servers(port).items():
        rate, cpu = server_cpu(command, port, content, seconds)
        print(f"  {name:<30}{rate:>8.0f}{cpu:>19.0f} us")
    report = report_with_findings()
    data = report.to_dict()
    before = json.dumps(data, indent=2, ensure_ascii=False).encode()
    if orjson.dumps(data, option=orjson.OPT_INDENT_2) != before:
        raise SystemExit("orjson's indented JSON is not json.dumps' byte for byte")
    print(f"\nreport: {len(report.findings)} findings, {len(before):,} bytes of JSON")
    for name, encode in encoders(report).items():
        print(f"  {name:<30}{per_call(encode):>8.0f} us")


if __name__ == "__main__":
    main()
