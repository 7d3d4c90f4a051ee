"""The fault suite: deployq under broken brokers, restarted databases, killed processes and
hostile input, each test ending with a one-line summary of what it saw (README, "Fault suite")."""
