"""The documentation site says what the code does: every command and option of `nif` is in the
CLI reference, every route of the service in the HTTP API reference (and no route that is gone),
every page is in the site's navigation, and the example queries are the query page's. The
site's build (`mkdocs build --strict`, in `make test`) checks the links; these check what a
build cannot know.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml
from fastapi.routing import iter_route_contexts

from nif.cli import cli
from nif.settings import Settings
from nif.web import create_app
from nif.web.pages._examples import EXAMPLES
from tests.conftest import ROOT

DOCS = ROOT / "docs"
HEADING = re.compile(r"^(#{1,6}) +(.+?) *$")
ROUTE = re.compile(r"`(GET|POST|PUT|DELETE|PATCH) (/[^`?\s]*)[^`]*`")


def _sections(markdown: str) -> dict[str, tuple[str, str]]:
    """Each heading's text (backticks dropped) -> (its section, up to the next heading of the
    same or a higher level; its introduction, up to the next heading of any level). Lines in
    code blocks are not headings."""
    lines = markdown.splitlines()
    headings: list[tuple[int, int, str]] = []
    fenced = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            headings.append((number, len(match[1]), match[2].replace("`", "")))
    sections = {}
    for index, (start, level, title) in enumerate(headings):
        following = headings[index + 1 :]
        end = next((n for n, lv, _ in following if lv <= level), len(lines))
        intro = following[0][0] if following else len(lines)
        sections[title] = ("\n".join(lines[start:end]), "\n".join(lines[start:intro]))
    return sections


def _commands(
    command: click.Command, path: tuple[str, ...] = ("nif",)
) -> Iterator[tuple[str, click.Command]]:
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def _mentions(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


COMMANDS = [(name, command) for name, command in _commands(cli) if name != "nif"]


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_and_option_is_in_the_cli_reference(
    name: str, command: click.Command
) -> None:
    sections = _sections((DOCS / "reference" / "cli.md").read_text(encoding="utf-8"))
    assert name in sections, f"docs/reference/cli.md has no heading `{name}`"
    # a command's own section, and what its groups' introductions say for all their commands
    words = name.split()
    groups = [" ".join(words[:n]) for n in range(2, len(words))]
    text = "\n".join([sections[name][0], *(sections[group][1] for group in groups)])
    flags = [
        flag
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for flag in (*param.opts, *param.secondary_opts)
    ]
    missing = [flag for flag in flags if not _mentions(text, flag)]
    assert not missing, f"the section `{name}` of docs/reference/cli.md lacks {missing}"


def test_the_cli_reference_names_the_global_options() -> None:
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for param in cli.params:
        for flag in param.opts:
            assert _mentions(text, flag), flag


def _normal(path: str) -> str:
    """`/api/agencies/{identifier}` -> `/api/agencies/{}`: parameter names are the code's."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_route_is_in_the_http_api_reference_and_no_other(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path))
    routes = {
        f"{method} {_normal(context.path)}"
        for context in iter_route_contexts(app.routes)
        for method in getattr(context, "methods", None) or ()
        if method != "HEAD" and context.path
    }
    assert len(routes) > 40, routes  # the walk found the included routers
    text = (DOCS / "reference" / "http-api.md").read_text(encoding="utf-8")
    documented = {f"{method} {_normal(path)}" for method, path in ROUTE.findall(text)}
    assert not routes - documented, (
        f"routes missing from http-api.md: {sorted(routes - documented)}"
    )
    assert not documented - routes, (
        f"http-api.md names no such route: {sorted(documented - routes)}"
    )


def _nav_pages(entries: object) -> Iterator[str]:
    if isinstance(entries, str):
        yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from _nav_pages(entry)
    elif isinstance(entries, dict):
        for value in entries.values():
            yield from _nav_pages(value)


def test_every_page_is_in_the_navigation_and_every_entry_is_a_page() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"
    nav = list(_nav_pages(config["nav"]))
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert sorted(set(nav)) == pages
    assert len(nav) == len(set(nav)), "a page is in the navigation twice"


def test_the_readme_links_to_pages_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?:|#|mailto:)([^)#\s]+)", readme)
    assert any(target.startswith("docs/") for target in targets)
    missing = [target for target in targets if not (ROOT / target).exists()]
    assert not missing, missing


def test_the_example_queries_are_those_the_query_page_runs() -> None:
    text = (DOCS / "integrator" / "queries.md").read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert f"### `{example.id}`" in text, example.id
        assert example.query.strip() in text, f"the query {example.id} differs from the page's"
