"""Which CPU each receiver of a one-sender benchmark runs on (the sender is on CPU 0)."""

from __future__ import annotations

PLACEMENTS = ("one_per_cpu", "wrap")


def receiver_cpus(cpus: int, receivers: int, placement: str) -> list[int]:
    """The CPU of each receiver on a host of ``cpus`` CPUs; the sender is on CPU 0.

    ``one_per_cpu`` (the RFC's setup): receiver i on CPU 1 + i, so there must
    be fewer receivers than CPUs.  ``wrap`` (any host, as ``simuring validate``
    measures it): receiver i on CPU 1 + i % (cpus - 1), several receivers
    sharing a CPU when they outnumber the others (all on CPU 0 with one CPU).
    A placement the host cannot give is a ValueError naming the parameter.
    """
    if placement == "one_per_cpu":
        if receivers >= cpus:
            raise ValueError(f"receivers must be below the host's {cpus} CPUs (one each, plus the sender), got {receivers}; placement='wrap' shares CPUs")
        return [1 + i for i in range(receivers)]
    if placement == "wrap":
        return [1 + i % (cpus - 1) if cpus > 1 else 0 for i in range(receivers)]
    raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
