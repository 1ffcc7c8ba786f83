"""mpsbench: an asv suite for PyTorch (MPS/CUDA/CPU) and Apple MLX across their releases."""

__version__ = "0.1.0"
