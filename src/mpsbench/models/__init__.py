"""Models written for MLX, with their torch counterparts' architecture and layer names."""
