"""What planners see: charts (zh/en), notebook widgets and dashboards, text reports, Excel exports
and the at-risk (return-to-poverty) lists.
"""
