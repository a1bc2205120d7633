"""What every benchmark uses: the processes it starts and stops, the control line to its
children, CPU accounting, and where and how results are written."""
