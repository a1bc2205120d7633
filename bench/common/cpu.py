"""CPU time of the processes in a measurement, and of the whole machine, over a window."""

import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]


@dataclass(frozen=True)
class CpuSample:
    wall: float
    per_pid: dict[int, float]
    machine_busy: float
    machine_total: float
    # Interrupt work (loopback packets mostly) is counted to no process.
    machine_irq: float


def sample(pids: Iterable[int]) -> CpuSample:
    per_pid = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        per_pid[pid] = times.user + times.system
    machine = psutil.cpu_times()
    total = sum(machine)
    busy = total - machine.idle - machine.iowait
    return CpuSample(time.monotonic(), per_pid, busy, total, machine.irq + machine.softirq)


@dataclass(frozen=True)
class CpuWindow:
    before: CpuSample
    after: CpuSample

    @property
    def wall(self) -> float:
        return self.after.wall - self.before.wall

    def seconds(self, pids: Iterable[int]) -> float:
        return sum(
            self.after.per_pid[p] - self.before.per_pid[p]
            for p in pids
            if p in self.before.per_pid and p in self.after.per_pid
        )

    def percent_of_core(self, pid: int) -> float:
        return 100 * self.seconds([pid]) / self.wall

    def others_percent_of_core(self, ours: Iterable[int]) -> float:
        """Everything busy on the machine that is not `ours`: other work skewing the figures."""
        busy = self.after.machine_busy - self.before.machine_busy
        return 100 * max(0.0, busy - self.irq_seconds - self.seconds(ours)) / self.wall

    @property
    def irq_seconds(self) -> float:
        return self.after.machine_irq - self.before.machine_irq

    @property
    def irq_percent_of_core(self) -> float:
        return 100 * self.irq_seconds / self.wall

    @property
    def machine_busy_percent(self) -> float:
        """Of all cores together: 100 means every core was busy the whole window."""
        total = self.after.machine_total - self.before.machine_total
        return 100 * (self.after.machine_busy - self.before.machine_busy) / total
