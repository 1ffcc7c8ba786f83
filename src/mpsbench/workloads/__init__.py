"""Workloads: models and operators built once per process, exposed as TimedSteps."""
