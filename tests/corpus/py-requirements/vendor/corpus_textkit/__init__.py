"""Text helpers: a slug maker and a word counter."""
import re
import unicodedata

__version__ = "1.2.0"


def slugify(text, separator="-", max_length=60):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = separator.join(words)
    return slug[:max_length].rstrip(separator)


def word_count(text):
    return len(re.findall(r"\w+", text))
