"""`alu eval`: the paper's benchmarks and attacks, with baselines side by side on the same backbone."""
