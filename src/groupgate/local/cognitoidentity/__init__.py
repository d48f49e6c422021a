"""Cognito identity pools (the enhanced flow) in the local cloud, played in full (``provider``): moto's are a
stub."""
