"""The validation pool on its own: real worker processes over a copy of the demo home."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.errors import TooManyRequestsError
from nif.registry import Registry
from nif.registry._validation import Chooser, Target, pinned_target
from nif.report import Report, Verdict
from nif.settings import Settings
from nif.web._pool import Task, ValidationPool
from tests.conftest import ROOT
from tests.web.messages import heavy_company_extract

BIRTH = ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification"
NEWBORN = (BIRTH / "valid-newborn.xml").read_bytes()
MOTHER = (BIRTH / "invalid-mother-born-after-child.xml").read_bytes()
ADDRESS = (
    ROOT
    / "registry/interfaces/civreg-address/examples/1.0.0/AddressLookupRequest"
    / "valid-tax-assessment.json"
).read_bytes()
HEAVY = heavy_company_extract(20_000)


@dataclasses.dataclass
class Targets:
    birth: Target
    address: Target
    company: Target


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pool-home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    return home


@pytest.fixture(scope="module")
def targets(home: Path) -> Targets:
    with Registry.open(Settings(home=home)) as registry:
        chooser = Chooser(registry.store, registry.settings, None)
        return Targets(
            *(pinned_target(registry.store, chooser.choose(m)) for m in (NEWBORN, ADDRESS, HEAVY))
        )


@pytest.fixture
def make_pool(home: Path) -> Iterator[object]:
    pools: list[ValidationPool] = []

    def make(**changes: object) -> ValidationPool:
        settings = Settings(home=home, validation_workers=1).replace(**changes)
        pools.append(pool := ValidationPool.start(settings))
        return pool

    yield make
    for pool in pools:
        pool.close()


async def _run(pool: ValidationPool, task: Task) -> Report:
    async with pool.admitted():
        return await pool.validate(task)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a killed child not yet reaped is a zombie
        return stat.read().split(") ")[1][0] != "Z"


def test_workers_start_with_the_pool_and_stop_with_it(make_pool, home: Path) -> None:
    pool = make_pool(validation_workers=2)
    pids = [s.pid for s in pool.stats()]
    assert len(pids) == 2 and all(pid and _alive(pid) for pid in pids)
    pool.close()
    assert not any(_alive(pid) for pid in pids if pid)


def test_a_second_message_of_a_type_reuses_the_built_profile(make_pool, targets) -> None:
    pool = make_pool()

    async def scenario() -> list[Report]:
        return [
            await _run(pool, Task(NEWBORN, "a.xml", targets.birth)),
            await _run(pool, Task(MOTHER, "b.xml", targets.birth)),
            await _run(pool, Task(ADDRESS, "c.json", targets.address)),
        ]

    first, second, third = asyncio.run(scenario())
    assert (first.verdict, second.verdict, third.verdict) == (
        Verdict.VALID,
        Verdict.INVALID,
        Verdict.VALID,
    )
    assert second.context["message_type"] == "BirthNotification"
    [stats] = pool.stats()
    assert stats.tasks == 3
    assert stats.profiles_built == 2  # birth once for both messages, then address


def test_admission_is_refused_beyond_the_limit(make_pool, targets) -> None:
    pool = make_pool(max_concurrent_validations=2)

    async def scenario() -> None:
        async with pool.admitted(), pool.admitted():
            assert pool.in_flight == 2
            with pytest.raises(TooManyRequestsError, match="max_concurrent_validations"):
                async with pool.admitted():
                    pass
        assert pool.in_flight == 0
        assert (await _run(pool, Task(NEWBORN, "a.xml", targets.birth))).verdict == Verdict.VALID

    asyncio.run(scenario())


def test_tasks_queue_for_the_workers_and_keep_their_order(make_pool, targets) -> None:
    pool = make_pool(validation_workers=2)
    messages = [NEWBORN, MOTHER] * 4

    async def scenario() -> list[Report]:
        tasks = [Task(m, f"{i}.xml", targets.birth) for i, m in enumerate(messages)]
        async with pool.admitted():
            return list(await asyncio.gather(*(pool.validate(t) for t in tasks)))

    reports = asyncio.run(scenario())
    assert [r.source for r in reports] == [f"{i}.xml" for i in range(len(messages))]
    assert [r.verdict for r in reports] == [Verdict.VALID, Verdict.INVALID] * 4
    assert sum(s.tasks for s in pool.stats()) == len(messages)


def test_an_overrunning_task_gets_its_worker_killed(make_pool, targets) -> None:
    pool = make_pool(step_timeout=0.2)
    [before] = pool.stats()

    async def scenario() -> tuple[Report, Report]:
        heavy = await _run(pool, Task(HEAVY, "heavy.xml", targets.company))
        return heavy, await _run(pool, Task(NEWBORN, "next.xml", targets.birth))

    heavy, following = asyncio.run(scenario())
    assert heavy.verdict == Verdict.ERROR
    assert heavy.profile == "busreg-company@2.0.0/CompanyExtract"
    [step] = heavy.steps
    assert step.error and "time limit exceeded" in step.error and "step_timeout 0.2" in step.error
    [after] = pool.stats()
    assert after.restarts == 1 and after.pid != before.pid
    assert before.pid and not _alive(before.pid)
    assert following.verdict == Verdict.VALID


def test_a_worker_that_dies_mid_task_is_replaced(make_pool, targets) -> None:
    pool = make_pool()
    [before] = pool.stats()

    async def scenario() -> tuple[Report, Report]:
        running = asyncio.ensure_future(_run(pool, Task(HEAVY, "heavy.xml", targets.company)))
        while not pool.stats()[0].busy:
            await asyncio.sleep(0.01)
        assert before.pid
        os.kill(before.pid, signal.SIGKILL)
        crashed = await running
        return crashed, await _run(pool, Task(NEWBORN, "next.xml", targets.birth))

    crashed, following = asyncio.run(scenario())
    assert crashed.verdict == Verdict.ERROR
    assert "stopped unexpectedly" in (crashed.steps[0].error or "")
    assert "exit code -9" in (crashed.steps[0].error or "")
    assert pool.stats()[0].restarts == 1
    assert following.verdict == Verdict.VALID


def test_a_worker_that_died_idle_is_replaced_before_the_next_task(make_pool, targets) -> None:
    pool = make_pool()
    [before] = pool.stats()
    assert before.pid
    os.kill(before.pid, signal.SIGKILL)
    report = asyncio.run(_run(pool, Task(NEWBORN, "a.xml", targets.birth)))
    assert report.verdict == Verdict.VALID
    assert pool.stats()[0].pid != before.pid


def test_a_queued_task_whose_caller_went_away_is_not_run(make_pool, targets) -> None:
    pool = make_pool()
    seen: list[tuple[str, Verdict]] = []
    pool.observer = lambda kind, verdict: seen.append((kind, verdict))

    async def scenario() -> Report:
        async with pool.admitted():
            running = asyncio.ensure_future(
                pool.validate(Task(HEAVY, "heavy.xml", targets.company))
            )
            queued = asyncio.ensure_future(pool.validate(Task(NEWBORN, "gone.xml", targets.birth)))
            while not pool.stats()[0].busy:
                await asyncio.sleep(0.01)
            queued.cancel()
            heavy = await running
            last = await pool.validate(Task(MOTHER, "last.xml", targets.birth), "batch")
            assert queued.cancelled()
            return heavy if last.verdict == Verdict.INVALID else last

    heavy = asyncio.run(scenario())
    assert heavy.source == "heavy.xml"
    assert pool.stats()[0].tasks == 2, "the task of the caller that went away ran"
    assert [kind for kind, _ in seen] == ["single", "batch"]
    assert seen[1][1] == Verdict.INVALID


def test_closing_the_pool_ends_the_queued_tasks(make_pool, targets) -> None:
    pool = make_pool()

    async def scenario() -> tuple[Report | BaseException, ...]:
        async with pool.admitted():
            running = asyncio.ensure_future(
                pool.validate(Task(HEAVY, "heavy.xml", targets.company))
            )
            queued = asyncio.ensure_future(pool.validate(Task(NEWBORN, "late.xml", targets.birth)))
            while not pool.stats()[0].busy:
                await asyncio.sleep(0.01)
            await asyncio.to_thread(pool.close)
            return tuple(await asyncio.gather(running, queued, return_exceptions=True))

    heavy, late = asyncio.run(scenario())
    assert isinstance(heavy, Report) and heavy.verdict == Verdict.ERROR
    assert isinstance(late, asyncio.CancelledError)
