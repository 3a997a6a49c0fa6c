"""A `Comparison` for people: per message, both verdicts with what they mean, the reason, the
verified counterexample, then the changes grouped by kind (each with the directions it breaks,
where it shows in a message, and where it is declared in OLD and NEW). The one text
rendering: the CLI prints it and a page may show it as preformatted text.

Laid out by rich (imported only when text is rendered), as the validation reports are. Without
a width nothing is wrapped, so that a file or a pipe gets each line whole; a counterexample is
never wrapped (it is the exact message the engines judged), only cut after `max_lines` lines
or `max_chars` characters, with a note saying how much is left out.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from typing import TYPE_CHECKING
from urllib.parse import unquote

from nif.compat._model import Answer, Change, Comparison, Direction, MessageComparison, Where
from nif.report import text_console

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = ["render_text"]

_VERDICT_STYLE = {"compatible": "bold green", "incompatible": "bold red", "unknown": "bold yellow"}
_BREAKS_STYLE = {"both": "red", "backward": "red", "forward": "red", "none": "green"}
_MEANING: dict[tuple[Direction, str], str] = {
    ("backward", "compatible"): "NEW accepts every message OLD accepts",
    ("backward", "incompatible"): "NEW rejects a message OLD accepts",
    ("backward", "unknown"): "not established whether NEW accepts every message OLD accepts",
    ("forward", "compatible"): "OLD accepts every message NEW accepts",
    ("forward", "incompatible"): "OLD rejects a message NEW accepts",
    ("forward", "unknown"): "not established whether OLD accepts every message NEW accepts",
}
_WITNESS: dict[Direction, str] = {
    "backward": "counterexample (valid under OLD, invalid under NEW):",
    "forward": "counterexample (valid under NEW, invalid under OLD):",
}
_OPEN = "turns only on content an open part of a schema lets through (wildcard, open object)"


def render_text(
    comparison: Comparison,
    width: int | None = None,
    *,
    color: bool = False,
    max_lines: int = 40,
    max_chars: int = 4000,
) -> str:
    """`comparison` as text: a header naming OLD and NEW, each message, a closing tally.

    `width` wraps the prose to a terminal's width (None: no wrapping at all); `color` adds
    ANSI styles. A longer counterexample is cut after `max_lines` lines or `max_chars`
    characters, whichever comes first (the JSON output always holds it whole)."""
    from rich.text import Text

    buffer = io.StringIO()
    console = text_console(buffer, width or 200, color=color, soft_wrap=width is None)
    folders = {side: _folder(comparison, side) for side in ("old", "new")}
    for side in ("old", "new"):
        main = getattr(comparison, side)
        head = Text.assemble((f"{side.upper()}  ", "bold"), _shown(main))
        if folders[side] and not main.startswith(folders[side]):
            head.append(f"  (schemas in {_shown(folders[side])})", style="dim")
        console.print(head, soft_wrap=True)
    for message in comparison.messages:
        console.print()
        _message(console, folders, message, max_lines, max_chars)
    if comparison.only_old or comparison.only_new:
        console.print()
    for root in comparison.only_old:
        _line(console, Text(f"only in OLD, not compared: {root} (NEW has no such message)"), 0)
    for root in comparison.only_new:
        _line(console, Text(f"only in NEW, not compared: {root} (OLD has no such message)"), 0)
    console.print()
    _line(console, _tally(comparison), 0)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _message(
    console: Console,
    folders: dict[str, str],
    message: MessageComparison,
    max_lines: int,
    max_chars: int,
) -> None:
    from rich.text import Text

    head = Text("the root schema ($)" if message.root == "$" else message.root, style="bold")
    if message.name:
        head.append(f"  message type {message.name}")
    console.print(head, soft_wrap=True)
    for direction in ("backward", "forward"):
        _answer(console, direction, message.answer(direction), max_lines, max_chars)
    if not message.changes:
        _line(console, Text("changes: none found", style="dim"), 2)
        return
    _line(console, Text(f"changes ({len(message.changes)}):"), 2)
    groups: dict[str, list[Change]] = defaultdict(list)
    for change in message.changes:
        groups[change.kind.split(":", 1)[0]].append(change)
    for kind, changes in groups.items():
        _line(console, Text(kind, style="bold"), 4)
        for change in changes:
            _change(console, folders, change)


def _answer(
    console: Console, direction: Direction, answer: Answer, max_lines: int, max_chars: int
) -> None:
    from rich.text import Text

    line = Text.assemble(
        f"{direction:<9} ",
        (answer.verdict, _VERDICT_STYLE[answer.verdict]),
        " " * (14 - len(answer.verdict)),
        _MEANING[(direction, answer.verdict)],
    )
    _line(console, line, 2)
    if answer.open_content:
        _line(console, Text(f"open content: the verdict {_OPEN}", style="yellow"), 4)
    if answer.reason:
        _line(console, Text(f"reason: {answer.reason}"), 4)
    if answer.counterexample is not None:
        _line(console, Text(_WITNESS[direction]), 4)
        shown, note = _cut(answer.counterexample, max_lines, max_chars)
        for text in shown:
            console.print(Text("      " + text), soft_wrap=True)
        if note:
            _line(console, Text(note, style="dim"), 6)


def _change(console: Console, folders: dict[str, str], change: Change) -> None:
    from rich.text import Text

    breaks = "safe both ways" if change.breaks == "none" else f"breaks {change.breaks}"
    line = Text.assemble((breaks, _BREAKS_STYLE[change.breaks]), f"  {change.detail}")
    if change.open_content:
        line.append("  (open content)", style="yellow")
    _line(console, line, 6)
    if change.message_path:
        _line(console, Text(f"in the message: {change.message_path}"), 8)
    _line(console, Text(f"old: {_where(change.old, folders['old'])}", style="cyan"), 8)
    _line(console, Text(f"new: {_where(change.new, folders['new'])}", style="cyan"), 8)


def _tally(comparison: Comparison) -> Text:
    from rich.text import Text

    count = len(comparison.messages)
    text = Text(f"{count} message{'' if count == 1 else 's'} compared", style="bold")
    for direction in ("backward", "forward"):
        verdicts: list[str] = [m.answer(direction).verdict for m in comparison.messages]
        counts = [(v, verdicts.count(v)) for v in _VERDICT_STYLE if verdicts.count(v)]
        if not counts:
            continue
        text.append(f"; {direction} ")
        for i, (verdict, n) in enumerate(counts):
            text.append(f"{', ' if i else ''}{n} {verdict}", style=_VERDICT_STYLE[verdict])
    return text


def _line(console: Console, text: Text, indent: int) -> None:
    """`text` indented; wrapped (under the indent) only when the console wraps at all."""
    from rich.padding import Padding
    from rich.text import Text

    if console.soft_wrap:
        console.print(Text.assemble(" " * indent, text), soft_wrap=True)
    else:
        console.print(Padding(text, (0, 0, 0, indent), expand=False))


def _cut(text: str, max_lines: int, max_chars: int) -> tuple[list[str], str | None]:
    """The lines of `text` shown, and the note on what was left out (None: nothing)."""
    lines = text.splitlines() or [""]
    shown: list[str] = []
    used = 0
    for line in lines[:max_lines]:
        if used + len(line) > max_chars:
            shown.append(line[: max(max_chars - used, 0)])
            break
        shown.append(line)
        used += len(line) + 1
    left = len(text) - sum(len(s) for s in shown) - (len(shown) - 1)
    if left <= 0:
        return shown, None
    return shown, (
        f"[cut: {left:,} more characters of {len(text):,}; --format json holds the whole message]"
    )


def _folder(comparison: Comparison, side: str) -> str:
    """The folder a side's locations are shown from: the main schema's, or, when the side is
    not a file (a registered version, `ID@VERSION`), the folder all its located files share."""
    main: str = getattr(comparison, side)
    if "/" in main:
        return main.rsplit("/", 1)[0] + "/"
    files = {
        where.file
        for message in comparison.messages
        for change in message.changes
        if (where := getattr(change, side)) is not None and where.file
    }
    if not files:
        return ""
    common = os.path.commonprefix(sorted(files))  # noqa: RUF071 (URIs: cut at "/" below)
    return common.rsplit("/", 1)[0] + "/" if "/" in common else ""


def _where(where: Where | None, folder: str) -> str:
    """A location, its file shortened to the path from `folder`."""
    if where is None:
        return "-"
    file = where.file or ""
    file = file[len(folder) :] if folder and file.startswith(folder) else _shown(file)
    if file and where.line is not None:
        file += f":{where.line}"
    return f"{file} {where.path}".strip()


def _shown(uri: str) -> str:
    """A file URI as the path a person typed; other URIs (registry IRIs) as they are."""
    return unquote(uri[len("file://") :]) if uri.startswith("file://") else uri
