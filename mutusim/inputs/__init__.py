"""Inputs: read and validate territories, reference data of France, calibration, examples."""
