"""voc-service: Voice-of-Customer text mining for e-commerce customer service."""

__version__ = "0.1.0"
