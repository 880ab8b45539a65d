// LabSupport: drives Tests/lab/netlab from Swift tests. Built by the lab work.
