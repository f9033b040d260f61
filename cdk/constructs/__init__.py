"""One construct per capability (table, buckets, user pool, network, functions, HTTP API, ...).

The folder is named as the project layout asks; it is only ever imported as `cdk.constructs.<module>`,
never with `cdk/` on `sys.path` (where it would shadow the `constructs` package: see `cdk/app.py`).
"""
