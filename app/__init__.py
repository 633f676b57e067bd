"""Baton: a BPMN 2.0 / DMN process server."""
