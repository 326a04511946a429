"""Sound: assembling an episode's track, sound design, mastering and the MP3 writer."""
