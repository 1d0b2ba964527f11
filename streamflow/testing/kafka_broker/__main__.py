"""``python -m streamflow.testing.kafka_broker start|stop|status`` (see ``cli.py``)."""
import sys

from .cli import main

sys.exit(main())
