"""The benchmark harness (DESIGN §10): `make bench` or `python -m bench --help`.

It seeds a large organisation into its own database (never the development one), measures
pages in-process against a trivial authenticated view (the floor), times scoring and deciding
a 10,000-nomination cycle, runs an HTTP load test with locust against gunicorn, and writes the
results to var/bench/ (JSON) and docs/benchmarks.md (a markdown table).
"""
