"""Starting and ending tasks: the host side of ``clone`` and ``do_exit``.

A :class:`Spawner` owns what creating a task needs: the SimPy environment,
the scheduler and the tid space.  The engine starts user tasks with it and
the kernel its kernel threads (io-wq workers, the SQPOLL thread), so the
kernel never needs the engine.  Whoever builds the spawner hears of every
task through two hooks: ``on_start`` when a task is created, ``on_exit`` when
its body has returned (the engine keeps its task list, statistics and result
values that way).

A task without a process gets a new one whose pid is the task's tid (a
thread-group leader); its file table comes from ``new_fds``, supplied by the
builder, because files belong to the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.host import current
from simuring.host.task import Process, Task

if TYPE_CHECKING:
    import simpy

    from simuring.host.cpu import Scheduler

TaskBody = Callable[[Task], Generator[Any, Any, Any]]

FIRST_TID: Final = 1000


def _ignore(task: Task, *args: Any) -> None:
    return None


class Spawner:
    """Creates tasks on one host and runs each body as a SimPy process."""

    def __init__(
        self,
        env: simpy.Environment,
        sched: Scheduler,
        new_fds: Callable[[], object],
        *,
        on_start: Callable[[Task], None] = _ignore,
        on_exit: Callable[[Task, Any], None] = _ignore,
    ) -> None:
        self.env = env
        self.sched = sched
        self.new_fds = new_fds
        self.on_start = on_start
        self.on_exit = on_exit
        self._next_tid = FIRST_TID

    def spawn(
        self,
        body: TaskBody,
        *,
        name: str,
        process: Process | None,
        cpu: int | None = None,
        uid: int = 0,
        gid: int = 0,
        kthread: bool = False,
        at: int | None = None,
    ) -> Task:
        """Create a task running ``body(task)`` from instant ``at`` (now if None),
        in ``process`` or, if None, in a new process with credentials ``uid``/``gid``."""
        tid = self._next_tid
        self._next_tid += 1
        if process is None:
            process = Process(tid, name, uid, gid, self.new_fds())
        task = Task(self.env, self.sched, tid, name, process, pinned_cpu=cpu, kthread=kthread)
        process.tasks.append(task)
        process.fds_users += 1  # copy_files: the table is shared (CLONE_FILES) from the start
        delay = 0 if at is None else at - int(self.env.now)
        proc = self.env.process(self._run(task, body, delay))
        task.sim_process = proc
        current.bind(proc, task)
        self.on_start(task)
        return task

    def _run(self, task: Task, body: TaskBody, delay: int) -> Generator[Any, Any, Any]:
        # the body runs directly under this generator (no wrapper around it: every
        # resume of a task passes through each generator layer)
        env = self.env
        if delay:
            yield env.timeout(delay)
        yield from task.start_on_cpu()
        try:
            value = yield from body(task)
            yield from task.flush()
        except Exception as exc:
            exc.add_note(f"(in simulated task {task.name!r}, tid {task.tid}, at t={int(env.now)} ns)")
            raise
        task.exit()
        self.on_exit(task, value)
        return value
