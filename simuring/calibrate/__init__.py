"""Your own host: measure it (``simuring calibrate``), model it, and check the model
against real IPC benchmarks on the same machine (``simuring validate``).

Layers, bottom up:

* :mod:`.build`: compile the C programs shipped in ``csrc/`` (the probe and
  the IPC benchmarks) with the system C compiler;
* :mod:`.measure`: run them in fresh processes, in shuffled order, repeated,
  and keep each figure's median and spread;
* :mod:`.hostinfo`: what the machine says of itself (CPUs, caches, model, kernel);
* :mod:`.probes`: the calibration set (what the probe measures) and the same
  microbenchmarks simulated;
* :mod:`.calibration`: measured figures to parameters, directly or by a fit;
  :mod:`.hostprofile` writes the profile;
* :mod:`.validation`: the validation set, measured and simulated, compared.
"""
