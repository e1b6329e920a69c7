//! A deterministic synthetic shop for demos, tests and benchmarks.
