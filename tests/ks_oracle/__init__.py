"""Differential testing of streamflow's windows and joins against Kafka Streams itself.

``oracle`` runs scenarios through Kafka Streams 4.1.1 (the Java program in
``scripts/ks-oracle``), ``scenarios`` generates random ones aimed at edge cases, ``compare``
runs the same scenarios through streamflow's operators and compares. See
docs/testing-against-kafka-streams.md.
"""
