"""The ``streamflow`` command: thin click wrappers around the library."""
