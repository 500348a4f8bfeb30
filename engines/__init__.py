"""Engines that run the one chain (``analytics.pipeline``'s definitions) beyond one process."""
