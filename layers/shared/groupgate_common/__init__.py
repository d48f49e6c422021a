"""Code the groupgate functions share; the layer puts it at /opt/python/groupgate_common."""
