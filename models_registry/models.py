"""Arrives with its issue; the app exists so that the flow of imports is fixed from day one."""
