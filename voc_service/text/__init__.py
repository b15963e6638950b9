"""Text processing: normalise, redact personal data, segment, find entities."""
