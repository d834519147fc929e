"""Fuzz targets: see fuzz_harness.py for the contract each input is checked against."""
