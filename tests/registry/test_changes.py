"""The registry's one change signal: caches of registry reads drop what they kept at a write."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

from nif.registry import ReadCache, Registry
from nif.registry._changes import Changes
from nif.state import ChangeFeed
from nif.store import DumpFormat
from tests.registry.conftest import DEMO


def test_an_answer_is_kept_until_a_change_is_announced() -> None:
    changes = Changes()
    cache: ReadCache[str, list[int]] = ReadCache(changes, maxsize=8)
    first = cache.get("k", lambda: [1])
    assert cache.get("k", lambda: [2]) is first
    changes.announce()
    assert changes.generation == 1
    assert cache.get("k", lambda: [3]) == [3]


def test_an_answer_read_across_a_change_is_not_kept() -> None:
    changes = Changes()
    cache: ReadCache[str, str] = ReadCache(changes, maxsize=8)

    def read_while_written() -> str:
        changes.announce()  # a write lands while the answer is being read
        return "before the write"

    assert cache.get("k", read_while_written) == "before the write"
    assert cache.get("k", lambda: "after the write") == "after the write"


def test_the_least_recently_used_answer_goes_first() -> None:
    cache: ReadCache[int, int] = ReadCache(Changes(), maxsize=2)
    cache.get(1, lambda: 1)
    cache.get(2, lambda: 2)
    cache.get(1, lambda: -1)  # used: 2 is now the oldest
    cache.get(3, lambda: 3)
    assert cache.get(1, lambda: -1) == 1
    assert cache.get(2, lambda: -2) == -2


def test_every_listener_hears_each_change_once() -> None:
    changes = Changes()
    heard: list[int] = []
    for _ in range(3):
        changes.subscribe(lambda: heard.append(changes.generation))
    threads = [threading.Thread(target=changes.announce) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert changes.generation == 4 and len(heard) == 12


def test_every_write_through_the_registry_announces_a_change(registry: Registry, bundle) -> None:
    cache: ReadCache[str, int] = registry.read_cache(maxsize=8)
    writes = {
        "submit": lambda: registry.submit(DEMO / "agencies" / "civreg.ttl"),
        "submit a bundle": lambda: registry.submit(bundle("civreg-birth")),
        "withdraw": lambda: registry.withdraw("civreg-birth"),
        "export (not a write)": lambda: registry.export(io.BytesIO(), DumpFormat.NQUADS),
        "import": lambda: registry.import_(b"", DumpFormat.NQUADS),
    }
    for name, write in writes.items():
        generation = registry.generation
        cache.get(name, lambda kept=generation: kept)
        write()
        moved = registry.generation != generation
        assert moved == (name != "export (not a write)"), name
        assert cache.get(name, lambda: -1) == (-1 if moved else generation), name


class _Feed(ChangeFeed):
    """A change feed whose `sync` can be done at once, or not."""

    def __init__(self, at_once: bool) -> None:
        self.at_once = at_once
        self.listeners: list[Callable[[], None]] = []

    def publish(self) -> None:
        pass

    def subscribe(self, listener: Callable[[], None]) -> None:
        self.listeners.append(listener)

    def sync(self) -> bool:
        return False

    def sync_at_once(self) -> bool:
        return self.at_once


def test_peek_gives_only_what_is_kept() -> None:
    changes = Changes()
    cache: ReadCache[str, list[int]] = ReadCache(changes, maxsize=8)
    assert cache.peek("k") is None
    kept = cache.get("k", lambda: [1])
    assert cache.peek("k") is kept
    changes.announce()
    assert cache.peek("k") is None


def test_peek_waits_for_no_feed() -> None:
    feed = _Feed(at_once=False)
    changes = Changes()
    changes.follow(feed)
    cache: ReadCache[str, int] = ReadCache(changes, maxsize=8)
    cache.get("k", lambda: 1)
    assert cache.peek("k") is None  # the feed would wait: the caller must `get`
    assert cache.peek("k", sync=False) == 1  # the caller has just asked the feed
    feed.at_once = True
    assert cache.peek("k") == 1
    for listener in feed.listeners:  # another process's write, heard at the next peek
        listener()
    assert cache.peek("k") is None
