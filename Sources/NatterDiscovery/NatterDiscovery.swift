// NatterDiscovery: publishing and browsing peers (Avahi), static peers, peers
// learned from a forwarder. Built by the discovery issue.
