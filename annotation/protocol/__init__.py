"""A campaign's frozen protocol and its hash-chained audit log (docs/protocol.md).

Annotation owns both; evaluation adds its own sections to the protocol through
``protocol_section_register`` and appends its own entries (judge runs, suggestions, triage)."""
