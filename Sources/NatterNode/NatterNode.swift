// NatterNode: the running peer — links, routing, outbox, store, local API.
