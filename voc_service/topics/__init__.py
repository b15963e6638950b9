"""Topics: what customers talk about. Fitted in batch with BERTopic (embedding -> reduction ->
clustering -> c-TF-IDF, each part swappable), served online by a small numpy model (nearest topic
centroid in the embedding space), with topic ids kept stable across refits."""
