"""Sentiment and emotional risk per turn (issue 3). So far: emotional-risk cues."""
