"""Tables and pages built from recorded asv results."""
