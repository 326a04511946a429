"""The project's data: show config, lessons, quiz, course, lexicon, script, episode and the naming rules."""
