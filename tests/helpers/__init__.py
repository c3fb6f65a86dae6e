"""Helpers shared by the test modules.

Test modules import their shared helpers from here (and fixtures from
``tests/conftest.py``), never from another test module:

* :mod:`tests.helpers.sim`: build and run a simulation (``Runner``, ``run_one``);
* :mod:`tests.helpers.ring`: SQE and CQE helpers for one ring (``nop``, ``reap``, ...);
* :mod:`tests.helpers.procs`: tasks sharing fds (threads of one process, a fork's child);
* :mod:`tests.helpers.delay_op`: a test-only opcode that completes later, from a timer;
* :mod:`tests.helpers.ipc`: IPC channel round trips;
* :mod:`tests.helpers.bundled`: the bundled workload scripts (``workloads/*.py``).
"""
