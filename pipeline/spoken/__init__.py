"""Markdown to speech: what a listener hears of each construct of a lesson, from markdown-it's token stream.

`markup` turns tokens into the text a transcript shows (HTML, links, footnotes, code spans resolved);
`sentences` splits that text with pysbd; `technical` says units, versions, identifiers, URLs and symbols
in words; `heteronyms` picks the reading of read/lead/live/close/no from context; `voice` finds what the
voice cannot say; `abbreviations` says c., etc., Dr, St and a slash between words as a reader does; `roman`
reads Roman numerals by the word before them; `chemistry` says formulas and powers. Nothing here knows
about engines or files: callers give text and get text and notes.
"""
