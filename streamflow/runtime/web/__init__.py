"""The worker's HTTP server and what it answers with (see ``server``)."""
from .server import WebServer
from .table_queries import Answer, TableQueries

__all__ = ["Answer", "TableQueries", "WebServer"]
