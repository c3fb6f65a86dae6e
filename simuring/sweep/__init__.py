"""What-if sweeps: a grid of simulations, one per point, run in parallel, kept as tidy rows.

``grid`` expands parameter and override axes and seeds into points;
``execute`` runs one point in whichever process gets it; ``pool`` maps a
function over items on local processes or a Dask cluster (the RFC
reproduction uses it too); ``store`` reads and writes the rows (Parquet or
CSV), so that a sweep resumes where it stopped; ``summary`` averages
replicates with their 95% confidence interval; ``plots`` draws a sweep.
"""
