"""Where a process finds its meetings (the hub interface and its in-process twin), how a
meeting's events reach this process's connections, and the deadlines its writer keeps."""
