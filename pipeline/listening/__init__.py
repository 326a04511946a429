"""Proof-listening: built episodes transcribed as a listener hears them and compared with their scripts
(`certquests proof`), with the advice on how to say better what was heard differently."""
