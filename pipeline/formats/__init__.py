"""The files listeners' apps and browsers read: ID3 tags, transcripts, chapters, the RSS feed, the pages."""
