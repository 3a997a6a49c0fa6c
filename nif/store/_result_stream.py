"""A query's answer written by Oxigraph's own writers, in chunks, within the query's limits.

Oxigraph serialises results straight from its iterator: no row becomes a Python object. The
row limit is then counted on the bytes it writes, by each format's own row marker, which its
writer never lets a value contain (strings, IRIs and literals are escaped):

- SPARQL JSON: a `{` opening a binding, after `[` or `,` and outside every string;
- SPARQL XML: `<result>` (a `<` in a value is written `&lt;`);
- TSV: a line (line breaks in literals are written `\\n`);
- CSV: a line break outside a quoted field (quotes in fields are doubled, so the parity of the
  quotes seen tells whether a break is inside one).

The time limit is checked at every write (Oxigraph writes every 8 KiB), and a query stuck in
one step is killed by its worker's parent (`QueryWorkers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, cast

import pyoxigraph as ox

from nif.store._base import RDF_FORMATS, RESULT_FORMATS, QueryLimits, ResultFormat

CHUNK = 256 * 1024
"""Bytes handed on at a time: the first chunk holds every small answer whole."""

_JSON_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
"""A whole JSON string (escapes included)."""
_JSON_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*')
"""The rest of a JSON string, up to its closing quote (or a lone backslash at a chunk's end)."""


class _Rows:
    """Counts the rows in the bytes of one format, chunk by chunk."""

    header = 0
    """Lines before the first row."""

    def __init__(self) -> None:
        self.count = -self.header

    def feed(self, data: bytes) -> int:
        raise NotImplementedError


class _XmlRows(_Rows):
    def __init__(self) -> None:
        super().__init__()
        self._tail = b""

    def feed(self, data: bytes) -> int:
        text = self._tail + data
        self.count += text.count(b"<result>")
        self._tail = text[-7:]  # shorter than the marker: never counted twice
        return self.count


class _TsvRows(_Rows):
    header = 1

    def feed(self, data: bytes) -> int:
        self.count += data.count(b"\n")
        return self.count


class _CsvRows(_Rows):
    header = 1

    def __init__(self) -> None:
        super().__init__()
        self._quotes = 0

    def feed(self, data: bytes) -> int:
        quotes = data.count(b'"')
        if not quotes and not self._quotes & 1:
            self.count += data.count(b"\n")
            return self.count
        *lines, rest = data.split(b"\n")
        for line in lines:
            self._quotes += line.count(b'"')
            if not self._quotes & 1:
                self.count += 1
        self._quotes += rest.count(b'"')
        return self.count


class _JsonRows(_Rows):
    def __init__(self) -> None:
        super().__init__()
        self._carry = b""
        self._in_string = False

    def feed(self, data: bytes) -> int:
        text, self._carry = self._carry + data, b""
        if self._in_string:
            text = text[self._string_rest(text, 0) :]
            if self._in_string:
                return self.count
        # Without its strings, a chunk's only quote opens a string that ends in a later one.
        # Oxigraph writes a `:` after every key, so no `[` or `,` meets a `{` by the removal.
        bare = _JSON_STRINGS.sub(b"", text)
        quote = bare.find(b'"')
        if quote >= 0:
            self._string_rest(bare, quote + 1)
            bare = bare[:quote]
        elif bare.endswith((b"[", b",")):
            self._carry = bare[-1:]
        self.count += bare.count(b"[{") + bare.count(b",{")
        return self.count

    def _string_rest(self, text: bytes, start: int) -> int:
        """Past the end of the string that goes on at `start`, or in it at the chunk's end."""
        end = _JSON_STRING_REST.match(text, start).end()  # type: ignore[union-attr]
        if end < len(text) and text[end] == 0x22:
            self._in_string = False
            return end + 1
        self._in_string = True
        self._carry = text[end:]  # a lone backslash, its escaped character still to come
        return len(text)


_COUNTERS: dict[ResultFormat, type[_Rows]] = {
    ResultFormat.JSON: _JsonRows,
    ResultFormat.XML: _XmlRows,
    ResultFormat.CSV: _CsvRows,
    ResultFormat.TSV: _TsvRows,
}


class _Output:
    """The file Oxigraph writes to: checks the limits, hands on full chunks to `send`."""

    def __init__(
        self, fmt: ResultFormat, limits: QueryLimits, send: Callable[[bytes], None], rows: bool
    ) -> None:
        self._limits, self._send = limits, send
        self._rows = _COUNTERS[fmt]() if rows and limits.max_rows is not None else None
        self._chunks: list[bytes] = []
        self._size = 0
        self._rdfxml = fmt is ResultFormat.RDFXML

    def write(self, data: Any) -> int:
        written = bytes(data)
        self._limits.check_time()
        if self._rows is not None and self._rows.feed(written) > (self._limits.max_rows or 0):
            raise self._limits.too_large("rows")
        if self._rdfxml:  # Oxigraph leaves carriage returns in literals raw; XML reads them as
            written = written.replace(b"\r", b"&#13;")  # line feeds (its markup has none)
        self._chunks.append(written)
        self._size += len(written)
        if self._size >= CHUNK:
            self._send(self.rest())
        return len(data)  # what Oxigraph gave: it panics on any other count

    def flush(self) -> None:
        """Nothing to flush: chunks are handed on as they fill."""

    def rest(self) -> bytes:
        """What was written and not handed on yet."""
        data = b"".join(self._chunks)
        self._chunks, self._size = [], 0
        return data


def _counted(triples: Iterable[ox.Triple], limits: QueryLimits) -> Iterator[ox.Triple]:
    for count, triple in enumerate(triples, 1):
        if limits.max_rows is not None and count > limits.max_rows:
            raise limits.too_large("triples")
        limits.check_time()
        yield triple


def stream_results(
    results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    fmt: ResultFormat,
    limits: QueryLimits,
    send: Callable[[bytes], None],
) -> bytes:
    """Write `results` in `fmt` within `limits`: every full chunk to `send`, the rest returned.

    Raises `ResultTooLargeError` or `QueryTimeoutError` as soon as a limit is passed; chunks
    sent before are then not the whole answer.
    """
    if isinstance(results, ox.QueryBoolean):
        return results.serialize(format=RESULT_FORMATS[fmt]) or b""
    output = _Output(fmt, limits, send, rows=isinstance(results, ox.QuerySolutions))
    file = cast(IO[bytes], output)  # Oxigraph needs only `write`
    if isinstance(results, ox.QuerySolutions):
        results.serialize(file, format=RESULT_FORMATS[fmt])
    else:
        ox.serialize(_counted(results, limits), file, format=RDF_FORMATS[fmt])
    limits.check_time()
    return output.rest()


def serialize_results(
    results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    fmt: ResultFormat,
    limits: QueryLimits,
) -> bytes:
    """The whole answer, as `stream_results` writes it."""
    chunks: list[bytes] = []
    last = stream_results(results, fmt, limits, chunks.append)
    return b"".join([*chunks, last])
