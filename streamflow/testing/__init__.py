"""Testing helpers: the throwaway Kafka broker and the pytest plugin."""
