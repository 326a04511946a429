"""Where a site goes once built: the local folder feed/, and the gate every feed passes first."""
