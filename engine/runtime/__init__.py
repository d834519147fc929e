"""Running graphs: the Session, the plan compiler and its two runners (straight-line and dataflow)."""
