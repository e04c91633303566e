"""Team notifications: events that a team must act on, per user, with read state."""
