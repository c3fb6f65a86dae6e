"""``simuring reproduce rfc``: the IPC proposal's published benchmarks, simulated.

* :mod:`.reference`: the published figures (package data ``data/rfc_ipc_2026.toml``)
  and their typed loader;
* :mod:`.workloads`: finding the benchmark workloads (``workloads/rfc_*.py``);
* :mod:`.stats`: warm-up detection (MSER-5), batch means, the stopping rule;
* :mod:`.runner`: one simulation per distinct cell, in parallel processes;
* :mod:`.report`: the plan, the JSON records, the error summary;
* :mod:`.conclusions`: the proposal's conclusions, decided on a set of figures;
* :mod:`.plots`: the PNGs (matplotlib, an optional extra).

docs/rfc-method.md describes the method and its assumptions.
"""

from simuring.reproduce.reference import Cell, Reference, Source, Table, load_reference

__all__ = ["Cell", "Reference", "Source", "Table", "load_reference"]
