"""The training engine: compile, fit, evaluate, predict; the pure steps (the only jit)."""
