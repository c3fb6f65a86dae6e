"""What the bundled workload scripts (the source tree's ``workloads/``) share.

Each bundled workload is one self-contained script that imports only
``simuring.*``: copy it anywhere and ``simuring run`` runs it.  Where several
scripts run the same tasks (the three ``ipc_*.py``, the six ``rfc_*.py``),
the tasks live here, written against the public API as a script is:

* :mod:`~simuring.workloads.ipc_fanout`: one IPC channel, one sender, N
  receivers (``ipc_unicast.py``, ``ipc_broadcast.py``, ``ipc_multicast.py``);
* :mod:`~simuring.workloads.rfc_bench`: the IPC proposal's benchmark, per
  mechanism (``rfc_<mechanism>.py``);
* :mod:`~simuring.workloads.windows`: the sender's clock, one entry per
  window of messages (``window_ns``), for batch-means statistics;
* :mod:`~simuring.workloads.placement`: which CPU each receiver runs on;
* :mod:`~simuring.workloads.params`: checks of a workload's parameters and
  the rule for their errors (``ValueError`` up front, :class:`ParamError`
  when the simulated kernel refuses them);
* :mod:`~simuring.workloads.standalone`: ``python workloads/x.py``.
"""
