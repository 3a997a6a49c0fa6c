"""The compiled-validator cache: least recently used goes first, one build per key."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from nif.validate import CompiledCache


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = CompiledCache(size=2)
    builds: list[str] = []

    def build(key: str) -> str:
        builds.append(key)
        return key.upper()

    for key in ("a", "b", "a", "c", "a", "b"):
        assert cache.get(key, lambda key=key: build(key)) == key.upper()
    assert builds == ["a", "b", "c", "b"]


def test_threads_asking_at_once_share_one_build() -> None:
    cache = CompiledCache()
    started = threading.Barrier(8)
    calls = 0

    def build() -> object:
        nonlocal calls
        calls += 1
        time.sleep(0.05)  # long enough for every thread to ask meanwhile
        return object()

    def ask() -> object:
        started.wait()
        return cache.get("key", build)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: ask(), range(8)))
    assert calls == 1
    assert all(r is results[0] for r in results)


def test_clear_forgets_every_entry() -> None:
    cache = CompiledCache()
    first = cache.get("key", object)
    cache.clear()
    assert cache.get("key", object) is not first


def test_a_none_result_is_kept_like_any_other() -> None:
    cache = CompiledCache()
    builds: list[None] = []
    for _ in range(3):
        assert cache.get("key", lambda: builds.append(None)) is None
    assert builds == [None]


def test_discard_forgets_one_entry() -> None:
    cache = CompiledCache()
    kept, dropped = cache.get("kept", object), cache.get("dropped", object)
    cache.discard("dropped")
    assert cache.get("kept", object) is kept
    assert cache.get("dropped", object) is not dropped
