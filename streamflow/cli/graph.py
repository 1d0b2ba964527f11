"""``streamflow graph``: print an app's topology (text, Mermaid or Graphviz dot)."""
from __future__ import annotations

import click

from ..exceptions import StreamflowError
from .loading import load_app

FORMATS = ("text", "mermaid", "dot")


@click.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (like Kafka Streams' TopologyDescription), mermaid or dot (Graphviz)")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="seconds to wait for each agent to reach its input (to see its group_by calls)")
def graph(app_spec: str, fmt: str, timeout: float) -> None:
    """Print the topology of the app MODULE:ATTR: topics, agents and their steps, tables,
    windowed aggregations, joins, internal topics, sub-topologies and tasks.

    Needs no broker: the agents run up to their first wait for input, then stop.
    """
    app = load_app(app_spec)
    try:
        topology = app.topology(timeout=timeout)
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    text = {"text": topology.describe, "mermaid": topology.to_mermaid, "dot": topology.to_dot}[fmt]()
    click.echo(text, nl=False)
