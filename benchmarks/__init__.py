"""Reproducible, side-by-side measurements of Postroom against table polling.

Run ``python -m benchmarks`` (``--smoke`` for a seconds-long sanity run). Every number is
reported next to a baseline measured in the same run, as a ratio: the machines are shared
and noisy, absolute numbers are not comparable across runs.
"""
