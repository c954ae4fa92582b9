"""Running the service in production: health, faults, request logs, backups (see README, "Running in production")."""
