"""The release history: the list of torch and mlx releases, and the git history asv runs over."""
