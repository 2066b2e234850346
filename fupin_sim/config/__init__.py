"""Configuration: scenario files (loading, ``extends``, validation), typed settings and the dated
parameter files under ``config/parameters/``.

This is the package's code; the scenario *data* lives in the top-level ``scenarios/`` folder.
"""
