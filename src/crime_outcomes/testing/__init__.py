"""Helpers for tests and benchmarks: workbooks written in the published Home Office layout.

The readers must cope with what the real files contain (cover, notes and pivot sheets before
the data, two header editions, numeric-looking offence codes, ODS repeat padding), so tests
and benchmarks build such files here instead of depending on downloads. See
``crime_outcomes.testing.workbooks``.
"""
