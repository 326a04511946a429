"""CertQuests: lesson Markdown in, a published podcast out."""

__version__ = "0.1.0"
