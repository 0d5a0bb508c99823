"""Representation pages, one module a section: forums (and the register kept with them), meetings, actions,
reviews, requests (the single point of access) and the leadership meeting agenda."""
