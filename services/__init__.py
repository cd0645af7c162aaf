"""Reference services built on Postroom, each with its own database."""
