"""Transformer operators and layers, defined once per framework over a shared spec.

``spec`` describes each operator (shapes, weights, FLOPs) and makes the seeded data;
``torch_ops`` and ``mlx_ops`` implement it; ``steps`` turns a grid point into a
warmed-up, synchronized step for the benchmarks; ``mpsbench.grids`` holds the params.
"""
