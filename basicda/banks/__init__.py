"""Feature/score banks and ring queues, correct for any world size."""
