// Node tests (links, store, API). Built by the link and messenger issues.
