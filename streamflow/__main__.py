"""``python -m streamflow``: the ``streamflow`` command line."""
from .cli.main import main

main()
