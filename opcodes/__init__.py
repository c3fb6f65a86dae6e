"""Built-in opcode plug-ins of simuring.

Each module registers its opcodes (and register commands, cost sections,
ring-exit hooks) through a ``register(registry)`` function named in the
``simuring.opcodes`` entry-point group of pyproject.toml, exactly as a
third-party plug-in would.
"""
