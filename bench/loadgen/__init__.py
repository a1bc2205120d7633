"""The load generators: processes holding the room's simulated members (`python -m bench.loadgen`),
and the benchmark's side that starts and drives them (`crowd`)."""
