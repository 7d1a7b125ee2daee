"""lamina's core: variables, the state scope, layers, symbolic tensors."""
