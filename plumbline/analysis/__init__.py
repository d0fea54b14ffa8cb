"""Text analysis: sentences, embeddings, bias, lean, clustering and synthesis."""
