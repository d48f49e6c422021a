"""groupgate's benchmarks (make bench) and soak test (make soak)."""
