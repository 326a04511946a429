"""Writing scripts: a lesson and its questions as the lines each voice says, and what `check` says of them."""
