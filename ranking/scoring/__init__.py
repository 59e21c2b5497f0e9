"""Readability CNN ensemble, autoencoder latents, per-user k-NN and the ranker (plain Python)."""
