"""Pure PDF functions, no database or HTTP: inspect, render, stamp, certificate, seal, verify."""
