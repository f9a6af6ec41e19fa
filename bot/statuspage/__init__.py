"""The public status page: what is published, the components' states, and the page's model."""
