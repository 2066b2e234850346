"""Experiments: replications with common random numbers, executors (serial, processes, Dask), the
resumable result store, sweeps, summaries over replications, the sensitivity screen and the
calibration table.
"""
