"""The benchmark harness (DESIGN §10): `make bench` or `python -m bench --help`.

It seeds a large organisation into its own database (never the development one), measures
pages in-process (server time and queries), times scoring and deciding a 10,000-nomination
cycle, loads every page over HTTP with wrk beside a bare Django view under the same gunicorn
(bench/load.py), and writes the results to var/bench/ (JSON) and docs/benchmarks.md.
"""
