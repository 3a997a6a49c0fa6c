"""A remote SPARQL 1.1 endpoint as the store: Query, Update and Graph Store protocols over httpx.

Written against the standards and tested against Virtuoso 7, whose quirks it works around:

- Graph Store PUT is not atomic there (readers see the graph empty, then half loaded), so a
  graph is replaced by one SPARQL Update request (`DROP SILENT GRAPH` then the inserts), which
  endpoints run as one transaction. Virtuoso takes at most 10 MB of update text per request,
  which bounds the graph one replace can write (about 100,000 triples).
- Its SPARQL compiler refuses an operation of more than about 1,500 triples and blank nodes in
  `INSERT DATA`: `update_text` writes triples in operations it can compile.
- It cuts every result at `ResultSetMaxRows` (10,000 by default), graph reads included and
  without saying so: reads are counted and a short one is an error, never a silent loss.
- Past its `timeout` parameter (milliseconds), or its own MaxQueryExecutionTime, it answers a
  query with what it found so far, marked only by `X-SQL-State: S1TAT`: such an answer is a
  `QueryTimeoutError`, never a short result.
- It never answers a query POSTed as `application/sparql-query` (queries go form-encoded), its
  CSV and TSV are not the standard's, and its JSON results use `typed-literal`, `nodeID://`
  blank nodes and booleans written 0/1: results are read as JSON and written out here.

and against the Oxigraph server, whose default graph is empty unless it was started with
`--union-default-graph`: nif asks for the union on each query that names no graphs of its own
(its `union-default-graph` parameter), so it works either way. It has no per-query time limit:
a query's answer is read as it streams and the connection dropped at the deadline. Any other
endpoint's default graph must be the union of its named graphs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx
import pyoxigraph as ox
from rdflib import URIRef

from nif.errors import QueryTimeoutError, StoreError, UsageError
from nif.settings import Settings
from nif.store._base import (
    DUMP_FORMATS,
    DumpFormat,
    QueryLimits,
    ResultFormat,
    Row,
    Store,
    check_format,
    write_results,
)
from nif.store._embedded import graph_node, names_dataset, parse_triples, query_form, to_rdflib
from nif.store._sparql_http import read_within, split_credentials, standardize
from nif.store._update_text import update_text

_EXCERPT = 300
_TIMED_OUT = re.compile(r"estimated execution time .* exceeds the limit|SR171|timed out", re.I)
"""Virtuoso's errors for a query over its time limits (estimated beforehand, or reached)."""
_GRACE = 2.0
"""Seconds past a query's deadline to wait for the endpoint: Virtuoso stops a query at its
`timeout` parameter in steps of about a second."""
_VIRTUOSO_PRAGMA = "define sql:big-data-const 1\n"
"""Virtuoso compiles constants of an update into its SQL unless told to pass them as data,
which makes a 1,000-triple operation take seconds instead of tens of milliseconds."""
_CANCELLED = b"The SPARQL operation has been cancelled"
"""How the Oxigraph server ends an answer it stopped at its `--timeout-s`: a 200 response
with this text in place of the rest of the results."""


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint at `query_url`; updates go to `update_url` (default the query
    URL), graph reads, drops and bulk loads to the Graph Store `graph_url` when there is one
    (else they are done with queries and updates).

    Credentials come from `user`/`password` or from the URL (`https://user:pw@host/sparql`);
    they are taken out of the URL, so `location` and every message show it without them.
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str = "",
        graph_url: str = "",
        user: str = "",
        password: str = "",
        auth: str = "basic",
        timeout: float = 60.0,
    ) -> None:
        query, url_user, url_password = split_credentials(query_url)
        update = split_credentials(update_url)[0] if update_url else query
        graph = split_credentials(graph_url)[0] if graph_url else None
        user, password = user or url_user, password or url_password
        if auth not in ("basic", "digest"):
            raise UsageError(f"store_auth must be basic or digest, not {auth!r}")
        self.location = str(query)
        self._query_url, self._update_url, self._graph_url = query, update, graph
        userinfo = httpx.URL(query_url).userinfo.decode()
        self._secrets = [s for s in (userinfo, password, quote(password, safe="")) if s]
        credentials: httpx.Auth | None = None
        if user or password:
            scheme = httpx.DigestAuth if auth == "digest" else httpx.BasicAuth
            credentials = scheme(user, password)
        self._timeout = timeout
        self._client = httpx.Client(auth=credentials, timeout=timeout, follow_redirects=False)
        self._server: str | None = None

    @classmethod
    def from_settings(cls, url: str, settings: Settings) -> RemoteStore:
        """The endpoint at `url`; the update and graph store URLs of `settings` belong to
        `settings.store.url`, so they are used only when `url` is that endpoint (or none is set)."""
        own = settings.store.url in ("", url)
        return cls(
            url,
            update_url=settings.store.update_url if own else "",
            graph_url=settings.store.graph_url if own else "",
            user=settings.store.user,
            password=settings.store.password.get_secret_value(),
            auth=settings.store.auth,
            timeout=settings.store.timeout,
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r})"

    # Queries

    def select(self, query: str) -> list[Row]:
        if query_form(query) is not ox.QuerySolutions:
            raise UsageError("select() needs a SELECT query")
        solutions = self._solutions(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise self._garbled("SELECT results")
        names = [variable.value for variable in solutions.variables]
        return [
            {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}
            for solution in solutions
        ]

    def ask(self, query: str) -> bool:
        if query_form(query) is not ox.QueryBoolean:
            raise UsageError("ask() needs an ASK query")
        return bool(self._solutions(query))

    def query_raw(self, query: str, fmt: ResultFormat, limits: QueryLimits | None = None) -> bytes:
        """Results as the embedded store writes them: the endpoint's own CSV and TSV need not
        follow the standard (Virtuoso's do not), so they are written here from its JSON.

        The time limit bounds the wait for the endpoint, and goes to Virtuoso as its `timeout`
        parameter so it stops the query there too (other endpoints name theirs differently).
        """
        form = query_form(query)
        check_format(form, fmt)
        limits = limits or QueryLimits()
        if form is ox.QueryTriples:
            response = self._post_query(query, ResultFormat.NTRIPLES.media_type, limits)
            return write_results(self._triples(response), fmt, limits)
        return write_results(self._solutions(query, limits), fmt, limits)

    def _solutions(
        self, query: str, limits: QueryLimits | None = None
    ) -> ox.QuerySolutions | ox.QueryBoolean:
        """The endpoint's JSON results, Virtuoso's dialect of them made standard."""
        response = self._post_query(query, ResultFormat.JSON.media_type, limits)
        try:
            results = response.json()
            for binding in results.get("results", {}).get("bindings", []):
                for value in binding.values():
                    standardize(value)
            text = json.dumps(results).encode()
            return ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON)
        except (ValueError, SyntaxError, AttributeError, TypeError, KeyError):
            raise self._garbled("SPARQL JSON results") from None

    def _post_query(
        self, query: str, accept: str, limits: QueryLimits | None = None
    ) -> httpx.Response:
        # Form-encoded, as the protocol allows: Virtuoso never answers `application/sparql-query`.
        data = {"query": query}
        union = not names_dataset(query)
        if union and (self._server or "").startswith("Oxigraph"):
            data["union-default-graph"] = ""
        extra: dict[str, Any] = {}
        remaining = limits.remaining() if limits is not None else None
        if remaining is not None:
            if self._is_virtuoso():
                data["timeout"] = str(max(1, round(remaining * 1000)))
            extra["timeout"] = remaining + _GRACE
        response = self._request(
            "POST",
            self._query_url,
            "query",
            data=data,
            headers={"Accept": accept},
            limits=limits,
            **extra,
        )
        if union and "union-default-graph" not in data and self._is_oxigraph():
            return self._post_query(query, accept, limits)  # the first query, on Oxigraph
        cancelled = response.content.endswith(_CANCELLED)
        if cancelled or response.headers.get("X-SQL-State") == "S1TAT":
            if limits is not None and limits.timeout is not None:
                raise limits.timed_out()
            raise QueryTimeoutError(
                f"{self.location}: the endpoint stopped the query at its own time limit and "
                "sent only part of the results (Virtuoso: MaxQueryExecutionTime in [SPARQL] of "
                "virtuoso.ini; Oxigraph server: --timeout-s); narrow the query"
            )
        cut = response.headers.get("X-SPARQL-MaxRows")
        if cut:
            raise StoreError(
                f"{self.location}: the endpoint cut the results at {cut} rows; raise its "
                "result limit (Virtuoso: ResultSetMaxRows in [SPARQL] of virtuoso.ini)"
            )
        if limits is not None:
            limits.check_time()
        return response

    # Updates

    def update(self, update: str) -> None:
        try:
            self._update(update)
        except _Refused as exc:
            raise UsageError(f"the endpoint refused the update: {exc}") from None

    def _update(self, update: str) -> None:
        prefix = _VIRTUOSO_PRAGMA if self._is_virtuoso() else ""
        self._request(
            "POST",
            self._update_url,
            "update",
            content=(prefix + update).encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def replace_graph(self, graph: str, ntriples: bytes) -> None:
        self.replace_graphs({graph: ntriples})

    def replace_graphs(self, graphs: dict[str, bytes]) -> None:
        # One request is one transaction; Graph Store PUT is not atomic on Virtuoso.
        if not graphs:
            return
        contents = {graph_node(graph): parse_triples(data) for graph, data in graphs.items()}
        self._update(update_text(contents, replace=True))

    def drop_graph(self, graph: str) -> None:
        node = graph_node(graph)
        if self._graph_url is None:
            self._update(f"DROP SILENT GRAPH {node}")
        else:
            self._request(
                "DELETE", self._graph_url, "drop", params={"graph": node.value}, gone=True
            )

    # Reads

    def read_graph(self, graph: str) -> bytes:
        triples = self._read(graph_node(graph))
        if self._is_virtuoso():
            self._check_complete(graph, len(triples), self._sizes(graph))
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""

    def graphs(self) -> list[str]:
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
        if self._is_virtuoso():
            # It finds no graph for `GRAPH ?g {}`, and takes seconds for the DISTINCT form.
            query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = self.select(query)
        return sorted(str(row["g"]) for row in rows if isinstance(row.get("g"), URIRef))

    def dump(self, out: BinaryIO, fmt: DumpFormat, graphs: Iterable[str]) -> None:
        nodes = [graph_node(graph) for graph in graphs]
        sizes = self._sizes() if self._is_virtuoso() else None
        for node in nodes:
            triples = self._read(node)
            if sizes is not None:
                self._check_complete(node.value, len(triples), sizes)
            quads = (ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
            ox.serialize(quads, out, format=DUMP_FORMATS[fmt])

    def _read(self, node: ox.NamedNode) -> list[ox.Triple]:
        if self._graph_url is None:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"
            response = self._post_query(query, ResultFormat.NTRIPLES.media_type)
        else:
            response = self._request(
                "GET",
                self._graph_url,
                "read",
                params={"graph": node.value},
                headers={"Accept": ResultFormat.NTRIPLES.media_type},
                gone=True,
            )
            if response.status_code == 404:
                return []
        return self._triples(response)

    def _triples(self, response: httpx.Response) -> list[ox.Triple]:
        media_type = response.headers.get("Content-Type", "")
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        if rdf_format is None:
            raise self._garbled(f"N-Triples (got {media_type or 'no content type'})")
        try:
            return [quad.triple for quad in ox.parse(response.content, format=rdf_format)]
        except SyntaxError as exc:
            raise StoreError(f"{self.location}: the endpoint sent unreadable RDF: {exc}") from None

    def _sizes(self, graph: str | None = None) -> dict[str, int]:
        """Triples per graph (of `graph` only, if given), to tell a complete read from a cut one."""
        if graph:
            node = graph_node(graph)
            rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
            return {graph: int(str(rows[0]["n"]))}
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(row["g"]): int(str(row["n"])) for row in rows}

    def _check_complete(self, graph: str, got: int, sizes: dict[str, int]) -> None:
        if got < sizes.get(graph, 0):
            raise StoreError(
                f"{self.location}: the endpoint sent {got:,} of the {sizes[graph]:,} triples of "
                f"<{graph}>; raise its result limit (Virtuoso: ResultSetMaxRows in [SPARQL] of "
                "virtuoso.ini)"
            )

    # Bulk load

    def load(self, data: bytes | BinaryIO, fmt: DumpFormat) -> None:
        dataset = ox.Dataset()
        names: dict[str, ox.NamedNode] = {}
        try:
            for quad in ox.parse(data, format=DUMP_FORMATS[fmt]):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    raise UsageError(
                        f"{fmt} data has triples outside any named graph (first: {quad.triple}); "
                        "the registry keeps every triple in a record's graph"
                    )
                dataset.add(quad)
                names.setdefault(quad.graph_name.value, quad.graph_name)
        except SyntaxError as exc:
            raise UsageError(f"not valid {fmt}: {exc}") from None
        for node in names.values():
            triples = [quad.triple for quad in dataset.quads_for_graph_name(node)]
            if self._graph_url is None:
                self._update(update_text({node: triples}, replace=False))
            else:
                self._request(
                    "POST",
                    self._graph_url,
                    "load",
                    params={"graph": node.value},
                    content=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
                    headers={"Content-Type": "application/n-triples"},
                )

    def close(self) -> None:
        self._client.close()

    # HTTP

    def _engine(self) -> str:
        """The endpoint's `Server` header, asked once."""
        if self._server is None:
            self._request("POST", self._query_url, "query", data={"query": "ASK {}"})
        return self._server or ""

    def _is_virtuoso(self) -> bool:
        return self._engine().startswith("Virtuoso")

    def _is_oxigraph(self) -> bool:
        return self._engine().startswith("Oxigraph")

    def _request(
        self,
        method: str,
        url: httpx.URL,
        what: str,
        *,
        gone: bool = False,
        limits: QueryLimits | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; any failure becomes a `StoreError` (a 400 `_Refused`) naming the
        URL without credentials. `gone`: a 404 is an answer (the graph does not exist).
        `limits`: no answer in time is the query's `QueryTimeoutError`."""
        try:
            request = self._client.build_request(method, url, **kwargs)
            streamed = self._client.send(request, stream=True)
            try:
                response = read_within(streamed, limits)
            finally:
                streamed.close()
        except httpx.TimeoutException:
            if limits is not None and limits.timeout is not None:
                raise limits.timed_out() from None
            raise StoreError(f"{url}: {what}: no answer within {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            detail = self._scrub(f"{type(exc).__name__}: {exc}")
            raise StoreError(f"{url}: {what}: cannot reach the endpoint ({detail})") from None
        self._server = response.headers.get("Server", "")
        if response.is_success or (gone and response.status_code == 404):
            return response
        status = f"HTTP {response.status_code} {response.reason_phrase}"
        if response.status_code in (401, 403):
            hint = "wrong user or password" if self._client.auth else "set store_user/password"
            raise StoreError(f"{url}: {what}: {status} ({hint})")
        excerpt = self._scrub(" ".join(response.text.split())[:_EXCERPT])
        if response.status_code == 400:
            raise _Refused(f"{url}: {what}: {status}: {excerpt}")
        if _TIMED_OUT.search(excerpt):
            raise QueryTimeoutError(
                f"{url}: {what}: the endpoint refused or stopped the query for its time limit; "
                f"narrow the query ({status}: {excerpt})"
            )
        raise StoreError(f"{url}: {what}: {status}: {excerpt}")

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _garbled(self, expected: str) -> StoreError:
        return StoreError(f"{self.location}: the endpoint did not answer with {expected}")


class _Refused(StoreError):
    """The endpoint answered 400: it refused the request itself (syntax, or its own limits)."""
