"""Insights: what product, operations and quality teams act on (time buckets, topic trends; SKU
experience indices and complaint spikes build on the same buckets)."""
