"""The automatic `steps_per_execution` choice (lamina.training.step_planner) under a fake clock:
what it measures, what it decides, and that a fixed count is used as given."""

import pytest

from lamina.training import step_planner
from lamina.training.step_planner import AutoChoice, StepPlanner


class FakeClock:
    """`perf_counter` replacement: time moves only when a fake step runs."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(step_planner.time, "perf_counter", fake)
    return fake


def drive(planner, clock, single_s, per_step_in_block_s, steps=200):
    """Runs `steps` steps through the planner; a call of k steps takes `single_s` (k == 1)
    or `k * per_step_in_block_s`. Returns the list of counts it ran."""
    counts, done = [], 0
    while done < steps:
        k = planner.next_k(steps - done)

        def fn(k=k):
            clock.now += single_s if k == 1 else k * per_step_in_block_s
            return k

        assert planner.run(fn, k, (), None) == k
        counts.append(k)
        done += k
    return counts


def test_fast_steps_fuse_when_the_block_is_faster(clock):
    choice = AutoChoice()
    counts = drive(StepPlanner(choice), clock, single_s=0.001, per_step_in_block_s=0.0005)
    # 1 warm-up + 3 timed single steps, then the candidate: 0.25 s / 1 ms = 250 -> 64 (cap).
    assert counts[:4] == [1, 1, 1, 1]
    assert choice.candidate == 64 and choice.decided == 64
    # The warm-up block (compile), two timed ones, then the decision; the tail of 4 steps runs
    # in the same compiled block.
    assert counts[4:] == [64, 64, 64, 4]
    assert StepPlanner(choice).block_size(5) == 64


def test_a_block_that_is_not_faster_is_dropped(clock):
    choice = AutoChoice()
    counts = drive(StepPlanner(choice), clock, single_s=0.004, per_step_in_block_s=0.0039)
    assert choice.candidate == 32  # 0.25 / 0.004 = 62 -> power of two below
    assert choice.decided == 1  # 3.9 ms per step is not 3% under 4 ms
    assert counts[4:7] == [32, 32, 32] and set(counts[7:]) == {1}


def test_a_few_percent_faster_block_is_kept_on_large_steps(clock):
    # A 15 ms step whose fused block runs 4% faster per step (the wide MLP on some CPUs).
    choice = AutoChoice()
    counts = drive(StepPlanner(choice), clock, single_s=0.015, per_step_in_block_s=0.0144)
    assert choice.candidate == 16  # 0.25 / 0.015 = 16
    assert choice.decided == 16 and len(choice.block_times) == 2
    assert counts[4:7] == [16, 16, 16] and set(counts[7:-1]) == {16}


def test_slow_steps_are_never_fused(clock):
    choice = AutoChoice()
    counts = drive(StepPlanner(choice), clock, single_s=0.05, per_step_in_block_s=0.001, steps=20)
    assert choice.decided == 1 and choice.candidate is None
    assert set(counts) == {1}


def test_the_decision_is_kept_by_later_planners(clock):
    choice = AutoChoice()
    drive(StepPlanner(choice), clock, single_s=0.001, per_step_in_block_s=0.0005)
    clock.now = 0.0
    again = StepPlanner(choice)
    assert again.next_k(10) == 10 and again.next_k(1000) == 64
    assert again.run(lambda: "untimed", 64, (), None) == "untimed" and clock.now == 0.0


def test_fixed_counts():
    planner = StepPlanner(None, 8)
    assert [planner.next_k(r) for r in (20, 8, 5, 1)] == [8, 8, 5, 1]
    assert planner.block_size(5) == 8 and planner.block_size(1) == 1
    assert StepPlanner(None, 0).next_k(3) == 1  # at least one step
