// End-to-end tests on lab hosts.
