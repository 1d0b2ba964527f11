"""The runtime: the worker's run loop, output buffering, commits and the broker transports."""
