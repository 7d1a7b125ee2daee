"""The vendored suites below suites/ are other projects' tests, run by run_suites.py
(`make ecosystem`) with their own configuration, not by `make test`."""

collect_ignore = ["suites", "alias_plugin.py", "run_suites.py"]
