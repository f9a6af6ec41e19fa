"""The public web face: the status page rendered as HTML, JSON and Atom."""
