// End-to-end tests on lab hosts. Built by the messenger issue.
