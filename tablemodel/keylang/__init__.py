"""Key languages: character sets, key templates and the regular languages of keys."""
