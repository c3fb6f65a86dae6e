"""The scenario library, one module per area; every module is imported by ``all_scenarios()``.

Scenarios are written from the man pages (io_uring_setup(2),
io_uring_enter(2), io_uring_register(2), io_uring_prep_*(3)) and checked
on the real kernel; each docstring says what it checks.
"""
