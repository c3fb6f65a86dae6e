"""Loading opcode plug-ins through the ``simuring.opcodes`` entry-point group.

An entry point names a callable ``register(registry: PluginRegistry) ->
None``.  Built-in opcodes (``opcodes/``) are registered exactly the same way
as third-party ones, so the kernel core never imports a specific opcode.
Plug-ins are loaded in entry-point name order, which keeps a simulation
deterministic whatever order the installer listed them in.

Besides opcodes a plug-in may add ``io_uring_register`` commands, cost-model
sections (its own ``[section]`` of the host profile), hooks run when a ring
is torn down, and per-simulation state.  :func:`cost_sections` is what a host
profile must give besides the core sections: the kernel's and the plug-ins'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points

from simuring.cost import CostSection
from simuring.kernel.costs import KERNEL_COST_SECTIONS
from simuring.kernel.registry import PluginError, PluginRegistry

GROUP = "simuring.opcodes"


def load_registry(names: Mapping[str, Callable[[PluginRegistry], None]] | None = None) -> PluginRegistry:
    """Build a registry from the installed entry points (or from ``names`` for tests)."""
    registry = PluginRegistry()
    if names is None:
        found = {ep.name: ep for ep in entry_points(group=GROUP)}
        if not found:
            raise PluginError(
                "no opcode plug-ins found in the 'simuring.opcodes' entry-point group: "
                "is simuring installed (pip install -e .)?"
            )
        items: list[tuple[str, Callable[[PluginRegistry], None]]] = []
        for name in sorted(found):
            try:
                items.append((name, found[name].load()))
            except Exception as exc:  # a broken third-party plug-in
                raise PluginError(f"cannot load opcode plug-in {name!r} ({found[name].value}): {exc}") from exc
    else:
        items = sorted(names.items())
    for name, register in items:
        registry._current = name
        register(registry)
        registry.loaded.append(name)
    registry._current = ""
    return registry


_cache: PluginRegistry | None = None


def default_registry(refresh: bool = False) -> PluginRegistry:
    """The registry of installed plug-ins, loaded once per Python process."""
    global _cache
    if _cache is None or refresh:
        _cache = load_registry()
    return _cache


def cost_sections(registry: PluginRegistry | None = None) -> tuple[type[CostSection], ...]:
    """The cost sections a host profile gives besides the core ones, for
    :func:`~simuring.cost.load_profile`: the kernel's (its objects, poll) and
    those of the installed plug-ins.  A hand-built ``registry`` (tests) adds
    its own: the built-in profile carries the installed plug-ins' sections,
    so a simulation with fewer plug-ins still reads it.
    """
    found = [*KERNEL_COST_SECTIONS, *default_registry().cost_sections.values()]
    if registry is not None:
        found += [cls for cls in registry.cost_sections.values() if cls not in found]
    return tuple(found)
