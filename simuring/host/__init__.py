"""The host model: CPUs with run queues, tasks and processes, wake-ups, and
the time API (:meth:`Task.charge`, :meth:`Task.now`, :mod:`simuring.host.events`).

Nothing in this package knows about io_uring; the simulated kernel uses it
the way the real one uses the scheduler (``try_to_wake_up``, ``schedule``,
IPIs).
"""

from simuring.host.cpu import Cpu, Scheduler
from simuring.host.spawner import Spawner
from simuring.host.task import Process, Task, TaskState

__all__ = ["Cpu", "Process", "Scheduler", "Spawner", "Task", "TaskState"]
